package dev.halley.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.halley.broker.LocalBroker;
import dev.halley.edge.HalleyServer;
import dev.halley.edge.ServerOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Predicate;

/** A real node on an ephemeral port, with a JDK HttpClient pointed at it. */
public final class TestServer implements AutoCloseable {

    public static final ObjectMapper JSON = new ObjectMapper();

    private final HalleyServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestServer(HalleyServer server) {
        this.server = server;
    }

    public static TestServer start() {
        return start(ServerOptions.DEFAULTS.withLoops(2), Clock.systemUTC());
    }

    public static TestServer start(ServerOptions options) {
        return start(options, Clock.systemUTC());
    }

    public static TestServer start(ServerOptions options, Clock clock) {
        try {
            return new TestServer(HalleyServer.start(options.withPort(0).withBind("127.0.0.1"),
                    shards -> new LocalBroker(shards, options.broker(), clock)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return server.port();
    }

    public HalleyServer server() {
        return server;
    }

    public URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port() + pathAndQuery);
    }

    public HttpClient http() {
        return http;
    }

    /** A GET answered as text. */
    public HttpResponse<String> get(String pathAndQuery) {
        return send(HttpRequest.newBuilder(uri(pathAndQuery)).timeout(Duration.ofSeconds(30)).GET().build());
    }

    /** A POST of a text or JSON body, answered as text. */
    public HttpResponse<String> post(String path, String body, String contentType) {
        return send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** Publishes text to a client or channel path ({@code client/a}) and returns the new message id. */
    public String publish(String topicPath, String text) {
        HttpResponse<String> r = post("/pub/" + topicPath, text, "text/plain");
        if (r.statusCode() != 200) {
            throw new AssertionError("publish answered " + r.statusCode() + " " + r.body());
        }
        return json(r.body()).get("id").asText();
    }

    /**
     * Polls {@code /status} every 10 ms until {@code condition} holds, so a test acts only once the
     * server has seen what it waits for; fails after 5 s, naming {@code what}.
     */
    public void awaitStatus(String what, Predicate<JsonNode> condition) {
        for (int i = 0; i < 500; i++) {
            if (condition.test(json(get("/status").body()))) {
                return;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("the server never reached: " + what);
    }

    public HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    /** Waits until {@code /status} counts at least {@code n} subscriptions. */
    public void awaitSubscriptions(int n) {
        awaitStatus(n + " subscriptions", st -> st.get("subscriptions").asInt() >= n);
    }

    @Override
    public void close() {
        server.close();
    }
}
