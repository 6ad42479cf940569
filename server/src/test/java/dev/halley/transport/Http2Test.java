package dev.halley.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halley.auth.Security;
import dev.halley.edge.ServerOptions;
import dev.halley.testing.H2Connection;
import dev.halley.testing.MercureJwt;
import dev.halley.testing.SelfSignedCert;
import dev.halley.testing.TestServer;
import dev.halley.transport.mercure.MercureOptions;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** HTTP/2 on Halley's port: h2 by ALPN over TLS with Java's HttpClient, h2c by prior knowledge frame by frame. */
@Timeout(60)
class Http2Test {

    /** The default node with h2c on: clear-text HTTP/2 is opt-in ({@code --h2c}). */
    private static final ServerOptions H2C = ServerOptions.DEFAULTS.withHttp2(Http2Options.DEFAULTS.withCleartext(true));

    private static TestServer tlsServer(SelfSignedCert cert) {
        Security tls = new Security(List.of(), null, List.of(), cert.cert(), cert.key(), null);
        return TestServer.start(ServerOptions.DEFAULTS.withLoops(2).withSecurity(tls)
                .withMercure(new MercureOptions(MercureJwt.KEY, null, true)));
    }

    /** Reads SSE lines until one starting with {@code prefix}. */
    private static String lineStartingWith(BufferedReader lines, String prefix) throws IOException {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            if (line.startsWith(prefix)) {
                return line;
            }
        }
        throw new AssertionError("the stream ended before a line starting with " + prefix);
    }

    /** Polls {@code /status} over {@code client} until it counts {@code n} subscriptions; bounded. */
    private static void awaitSubscriptions(HttpClient client, String base, int n) throws Exception {
        for (int i = 0; i < 500; i++) {
            JsonNode st = TestServer.json(client.send(HttpRequest.newBuilder(URI.create(base + "/status")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            if (st.get("subscriptions").asInt() >= n) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the server never counted " + n + " subscriptions");
    }

    @Test
    void h2OverTlsCarriesStatusPublishLongPollSseAndMercureOnOneConnection(@TempDir Path dir) throws Exception {
        SelfSignedCert cert = SelfSignedCert.make(dir);
        try (TestServer s = tlsServer(cert)) {
            HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(cert.trusting()).build();
            String base = "https://127.0.0.1:" + s.port();
            HttpResponse<String> status = h2.send(HttpRequest.newBuilder(URI.create(base + "/status")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(status.version()).isEqualTo(HttpClient.Version.HTTP_2);

            HttpResponse<InputStream> sse = h2.send(HttpRequest.newBuilder(URI.create(base + "/sub/channel/news"))
                    .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
            HttpResponse<InputStream> mercure = h2.send(HttpRequest.newBuilder(URI.create(base + MercureTest.HUB + "?topic=t"))
                    .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(sse.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(sse.headers().firstValue("content-type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("text/event-stream"));
            assertThat(mercure.headers().firstValue("link")).hasValue("</.well-known/mercure>; rel=\"mercure\"");
            awaitSubscriptions(h2, base, 2);

            HttpResponse<String> published = h2.send(HttpRequest.newBuilder(URI.create(base + "/pub/channel/news"))
                    .POST(HttpRequest.BodyPublishers.ofString("over h2")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(published.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(published.statusCode()).isEqualTo(200);
            HttpResponse<String> update = h2.send(HttpRequest.newBuilder(URI.create(base + MercureTest.HUB))
                    .header("Authorization", "Bearer " + MercureJwt.publisher("*"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("topic=t&data=mercure+over+h2&id=u1")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(update.statusCode()).isEqualTo(200);
            assertThat(update.body()).isEqualTo("u1");

            try (BufferedReader news = new BufferedReader(new InputStreamReader(sse.body(), StandardCharsets.UTF_8));
                 BufferedReader hub = new BufferedReader(new InputStreamReader(mercure.body(), StandardCharsets.UTF_8))) {
                assertThat(TestServer.json(lineStartingWith(news, "data:").substring(5).strip()).get("data").asText())
                        .isEqualTo("over h2");
                assertThat(lineStartingWith(hub, "id:")).isEqualTo("id: u1");
                assertThat(lineStartingWith(hub, "data:")).isEqualTo("data: mercure over h2");

                h2.send(HttpRequest.newBuilder(URI.create(base + "/pub/client/alice"))
                        .POST(HttpRequest.BodyPublishers.ofString("held")).build(), HttpResponse.BodyHandlers.ofString());
                HttpResponse<String> poll = h2.send(HttpRequest.newBuilder(URI.create(base + "/sub/client/alice?timeout=5s")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(poll.version()).isEqualTo(HttpClient.Version.HTTP_2);
                assertThat(TestServer.json(poll.body()).at("/messages/0/data").asText()).isEqualTo("held");

                JsonNode st = TestServer.json(h2.send(HttpRequest.newBuilder(URI.create(base + "/status")).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                assertThat(st.at("/connections/total").asInt()).as("every stream rides one connection").isEqualTo(1);
                assertThat(st.at("/connections/byTransport/sse").asInt()).isEqualTo(2);
            }
        }
    }

    @Test
    void h2cByPriorKnowledgeAndHttp11ShareOnePort() {
        try (TestServer s = TestServer.start(H2C); H2Connection h2c = H2Connection.open(s.port(), 0)) {
            h2c.request(1, "GET", "/status", true);
            Http2Headers head = h2c.decode(h2c.next(H2Connection.HEADERS, 1));
            assertThat(head.status().toString()).isEqualTo("200");
            H2Connection.Frame body = h2c.next(H2Connection.DATA, 1);
            assertThat(TestServer.json(new String(body.payload(), StandardCharsets.UTF_8)).has("connections")).isTrue();
            assertThat(s.get("/status").statusCode()).as("HTTP/1.1 on the same port").isEqualTo(200);
        }
    }

    @Test
    void anSseStreamOverH2cCarriesEventsAsDataFramesAndEndsOnDrain() {
        try (TestServer s = TestServer.start(H2C); H2Connection h2c = H2Connection.open(s.port(), 0)) {
            h2c.request(1, "GET", "/sub/channel/news", true, "accept", "text/event-stream");
            assertThat(h2c.decode(h2c.next(H2Connection.HEADERS, 1)).status().toString()).isEqualTo("200");
            assertThat(new String(h2c.next(H2Connection.DATA, 1).payload(), StandardCharsets.US_ASCII)).isEqualTo(":ok\n\n");
            s.awaitSubscriptions(1);
            String id = s.publish("channel/news", "hello");
            String event = new String(h2c.next(H2Connection.DATA, 1).payload(), StandardCharsets.UTF_8);
            assertThat(event).startsWith("id: " + id + "\ndata: ").endsWith("\n\n");

            s.server().drain(Duration.ofSeconds(10));
            StringBuilder tail = new StringBuilder();
            H2Connection.Frame data;
            do {
                data = h2c.next(H2Connection.DATA, 1);
                assertThat(data).as("the stream ends with END_STREAM before the connection closes").isNotNull();
                tail.append(new String(data.payload(), StandardCharsets.US_ASCII));
            } while ((data.flags() & H2Connection.FLAG_END_STREAM) == 0);
            assertThat(tail.toString()).isEqualTo("retry: " + AdminEndpoint.RECONNECT_AFTER_MILLIS + "\n\n");
            assertThat(h2c.goAwayThenEnd()).as("then the connection says GOAWAY and closes").isNotNull();
        }
    }

    @Test
    void aStreamWhoseClientStopsReadingIsDroppedAsASlowConsumerAndItsConnectionLives() {
        ServerOptions small = H2C.withLoops(2).withLimits(Limits.DEFAULTS.withStreams(32, 16 * 1024));
        try (TestServer s = TestServer.start(small); H2Connection h2c = H2Connection.open(s.port(), 1024)) {
            h2c.request(1, "GET", "/sub/channel/flood", true, "accept", "text/event-stream");
            assertThat(h2c.decode(h2c.next(H2Connection.HEADERS, 1)).status().toString()).isEqualTo("200");
            s.awaitSubscriptions(1);
            String big = "x".repeat(4000);
            for (int i = 0; i < 8; i++) {
                s.publish("channel/flood", big);
            }
            H2Connection.Frame reset = h2c.next(H2Connection.RST_STREAM, 1);
            assertThat(reset).as("the stream is reset").isNotNull();
            s.awaitStatus("a slow consumer counted", st -> st.at("/connections/rejected/slow_consumer").asInt() >= 1);
            h2c.request(3, "GET", "/status", true);
            H2Connection.Frame next = h2c.next(H2Connection.HEADERS, 3);
            assertThat(h2c.decode(next).status().toString()).as("the connection still serves").isEqualTo("200");
        }
    }

    @Test
    void aConnectionWhoseStreamsTogetherQueuePastItsBoundIsClosedAsASlowConsumer() {
        // Each stream may queue 64 KiB, the connection 256 KiB: 16 streams of ~25 KiB each stay
        // under their own bound but not under the connection's.
        ServerOptions bounded = ServerOptions.DEFAULTS.withLoops(2).withLimits(Limits.DEFAULTS.withStreams(32, 64 * 1024))
                .withHttp2(Http2Options.DEFAULTS.withCleartext(true).withMaxPendingBytesPerConnection(256 * 1024));
        try (TestServer s = TestServer.start(bounded)) {
            try (H2Connection unread = subscribed(s, 16, "flood")) {
                publish(s, "channel/flood", 12);
                H2Connection.Frame goAway = unread.goAwayThenEnd();
                assertThat(goAway).as("GOAWAY, then the close").isNotNull();
                assertThat(goAway.errorCode()).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
                s.awaitStatus("the slow connection counted", st -> st.at("/connections/rejected/slow_consumer").asInt() == 1);
                s.awaitStatus("its streams unsubscribed", st -> st.get("subscriptions").asInt() == 0);
            }
            try (H2Connection underBound = subscribed(s, 6, "calm")) {
                publish(s, "channel/calm", 12);
                underBound.ping(42);
                H2Connection.Frame pong = underBound.next(H2Connection.PING, 0);
                assertThat(pong).as("6 streams of ~25 KiB stay under the bound: the connection lives").isNotNull();
                assertThat(TestServer.json(s.get("/status").body()).at("/connections/rejected/slow_consumer").asInt()).isEqualTo(1);
            }
        }
    }

    /** An h2c connection with {@code streams} SSE streams on {@code channel}, their heads read, its windows never granted more. */
    private static H2Connection subscribed(TestServer s, int streams, String channel) {
        H2Connection h2c = H2Connection.open(s.port(), 0);
        for (int i = 0; i < streams; i++) {
            h2c.request(1 + 2 * i, "GET", "/sub/channel/" + channel, true, "accept", "text/event-stream");
        }
        for (int i = 0; i < streams; i++) {
            assertThat(h2c.decode(h2c.next(H2Connection.HEADERS, 1 + 2 * i)).status().toString()).isEqualTo("200");
        }
        s.awaitSubscriptions(streams);
        return h2c;
    }

    /** Publishes {@code count} messages of 2,000 characters. */
    private static void publish(TestServer s, String topicPath, int count) {
        String text = "x".repeat(2000);
        for (int i = 0; i < count; i++) {
            s.publish(topicPath, text);
        }
    }

    @Test
    void aConnectionWithNoOpenStreamIsClosedAfterTheHeaderTimeout() {
        ServerOptions quick = H2C.withLoops(1).withHeaderTimeout(Duration.ofMillis(300));
        try (TestServer s = TestServer.start(quick); H2Connection idle = H2Connection.open(s.port(), 0)) {
            idle.request(1, "GET", "/status", true);
            assertThat(idle.decode(idle.next(H2Connection.HEADERS, 1)).status().toString()).isEqualTo("200");
            assertThat(idle.goAwayThenEnd()).as("after its last stream, the connection is let go").isNotNull();
            s.awaitStatus("the idle close counted", st -> st.at("/connections/rejected/header_timeout").asInt() >= 1);
        }
    }

    @Test
    void withHttp2OffAPrefaceIsNotAnswered() {
        prefaceIsNotAnsweredBy(ServerOptions.DEFAULTS.withLoops(1).withHttp2(Http2Options.OFF));
    }

    @Test
    void byDefaultAClearTextPrefaceIsNotAnswered() {
        prefaceIsNotAnsweredBy(ServerOptions.DEFAULTS.withLoops(1));
    }

    private static void prefaceIsNotAnsweredBy(ServerOptions options) {
        try (TestServer s = TestServer.start(options); H2Connection h2c = H2Connection.open(s.port(), 0)) {
            H2Connection.Frame first = h2c.read();
            assertThat(first == null || first.type() != H2Connection.SETTINGS).isTrue();
            assertThat(s.send(HttpRequest.newBuilder(s.uri("/status")).timeout(Duration.ofSeconds(10)).build()).version())
                    .isEqualTo(HttpClient.Version.HTTP_1_1);
        }
    }
}
