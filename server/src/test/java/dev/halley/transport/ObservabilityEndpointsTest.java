package dev.halley.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.halley.broker.BrokerOptions;
import dev.halley.broker.LocalBroker;
import dev.halley.edge.HalleyServer;
import dev.halley.edge.ServerOptions;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code /metrics}, {@code /status/stream} and the static files, over real HTTP on port 0. */
class ObservabilityEndpointsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{[^}]*})?) (\\S+)$");

    private HalleyServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws InterruptedException {
        server = HalleyServer.start(ServerOptions.DEFAULTS.withPort(0).withLoops(2),
                shards -> new LocalBroker(shards, BrokerOptions.DEFAULTS, Clock.systemUTC()));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private void publish(String path, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
    }

    /** Every sample of a Prometheus text exposition, by series name with labels. */
    private Map<String, Double> scrape() throws Exception {
        HttpResponse<String> r = get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        Map<String, Double> samples = new HashMap<>();
        for (String line : r.body().split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertThat(m.matches()).as("a well-formed sample line: %s", line).isTrue();
            samples.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return samples;
    }

    /** Scrapes until {@code series} reaches {@code atLeast}; the hub snapshot behind it refreshes every second. */
    private Map<String, Double> scrapeUntil(String series, double atLeast) throws Exception {
        Map<String, Double> samples = scrape();
        for (int i = 0; i < 50 && samples.getOrDefault(series, -1.0) < atLeast; i++) {
            Thread.sleep(100);
            samples = scrape();
        }
        return samples;
    }

    @Test
    void metricsCountConnectionsMessagesAndTheJvm() throws Exception {
        CompletableFuture<HttpResponse<InputStream>> sse = http.sendAsync(HttpRequest.newBuilder(uri("/sub/channel/news"))
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
        BufferedReader events = new BufferedReader(new InputStreamReader(sse.get().body(), StandardCharsets.UTF_8));
        assertThat(events.readLine()).isEqualTo(":ok");
        publish("/pub/channel/news", "one");
        publish("/pub/client/alice", "two");
        get("/no/such/path");

        Map<String, Double> m = scrapeUntil("halley_messages_delivered_total", 1);

        assertThat(m).containsEntry("halley_connections{transport=\"sse\"}", 1.0)
                .containsEntry("halley_messages_published_total", 2.0)
                .containsEntry("halley_messages_delivered_total", 1.0)
                .containsEntry("halley_queued_messages", 2.0)
                .containsEntry("halley_channels", 1.0)
                .containsEntry("halley_subscriptions", 1.0)
                .containsEntry("halley_broker_ok", 1.0)
                .containsEntry("halley_rejects_total{cause=\"bad_request\"}", 1.0)
                .containsKeys("halley_loop_connections{loop=\"0\"}", "halley_loop_connections{loop=\"1\"}",
                        "halley_messages_expired_total", "halley_messages_dropped_total", "halley_mailboxes",
                        "process_files_open_files", "jvm_threads_live_threads");
        assertThat(m.get("halley_connections_open")).isGreaterThanOrEqualTo(2.0);
        // The HTTP client keeps one connection alive for its plain requests; the SSE stream has its own.
        assertThat(m.get("halley_accepts_total")).isGreaterThanOrEqualTo(2.0);
        assertThat(m.keySet()).anyMatch(k -> k.startsWith("jvm_memory_used_bytes{"))
                .anyMatch(k -> k.startsWith("jvm_gc_"));
        sse.get().body().close();
    }

    @Test
    void metricsAnswerOnlyGet() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/metrics")).POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.body()).contains("use GET here");
    }

    @Test
    void statusStreamSendsOneSnapshotASecondThatFollowsTheNode() throws Exception {
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri("/status/stream")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
        try (BufferedReader events = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            JsonNode first = nextEvent(events);
            publish("/pub/channel/room", "hello");
            JsonNode later = first;
            for (int i = 0; i < 5 && later.path("messages").path("published").asLong() == 0; i++) {
                later = nextEvent(events);
            }
            assertThat(first.path("connections").path("total").asLong()).isGreaterThanOrEqualTo(1);
            assertThat(first.path("connections").path("perLoop")).hasSize(2);
            assertThat(first.path("memory").path("heapUsedBytes").asLong()).isPositive();
            assertThat(later.path("messages").path("published").asLong()).isEqualTo(1);
            assertThat(later.path("timeMillis").asLong()).isGreaterThan(first.path("timeMillis").asLong());
        }
    }

    private static JsonNode nextEvent(BufferedReader events) throws Exception {
        String line;
        while ((line = events.readLine()) != null) {
            if (line.startsWith("data: ")) {
                return JSON.readTree(line.substring("data: ".length()));
            }
        }
        throw new AssertionError("status stream ended");
    }

    @Test
    void staticFilesAreServedFromTheJar() throws Exception {
        HttpResponse<String> dashboard = get("/");
        assertThat(dashboard.statusCode()).isEqualTo(200);
        assertThat(dashboard.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
        assertThat(dashboard.body()).contains("Halley").contains("/ui/dashboard.js");

        HttpResponse<String> client = get("/halley.js");
        assertThat(client.headers().firstValue("content-type")).hasValue("application/javascript; charset=utf-8");
        assertThat(client.body()).contains("Halley");

        assertThat(get("/demo").body()).contains("/halley.js");
        assertThat(get("/ui/dashboard.js").statusCode()).isEqualTo(200);
        assertThat(get("/ui/nope.js").statusCode()).isEqualTo(404);
    }
}
