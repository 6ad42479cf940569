package dev.halley.bench;

import static dev.halley.bench.BenchCli.assertNothingLost;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halley.auth.Security;
import dev.halley.edge.HalleyServer;
import dev.halley.edge.ServerOptions;
import dev.halley.testing.SelfSignedCert;
import dev.halley.transport.Http2Options;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP/2 SSE subscriber against a real in-process Halley node: h2c by prior knowledge, h2 over TLS. */
@Timeout(180)
class BenchHttp2Test {

    @TempDir
    Path dir;

    /**
     * 300 subscriber streams, 50 to a connection, on 6 channels: every message reaches every
     * subscriber once, the report counts 6 sockets, and while they stand the server's /status
     * counts 300 subscriptions on a handful of connections (6, plus the publisher's and this test's).
     */
    @Test
    void h2cFanoutLosesNothingAndSharesFewConnections() throws Exception {
        HalleyServer server = LocalNode.start(ServerOptions.DEFAULTS.withHttp2(Http2Options.DEFAULTS.withCleartext(true)));
        try {
            String base = "http://127.0.0.1:" + server.port();
            CompletableFuture<JsonNode> run = CompletableFuture.supplyAsync(() -> BenchCli.run(dir, "--scenario", "fanout",
                    "--transport", "sse", "--http2", "--streams-per-connection", "50", "--connections", "300",
                    "--channels", "6", "--rate", "3000", "--publish-rate", "60", "--duration", "2s", "--pub-concurrency", "2",
                    // A shared, CPU-starved machine can take seconds to subscribe 300; a timeout would fail them.
                    "--connect-timeout", "60s",
                    "--sub-url", base + "/sub/channel/{channel}", "--pub-url", base + "/pub/channel/{channel}"));
            JsonNode status = statusOnceSubscribed(base, 300, run);
            assertThat(status.path("connections").path("total").asLong()).as("connections while 300 streams stand")
                    .isBetween(6L, 12L);

            JsonNode r = run.get(150, TimeUnit.SECONDS);
            assertNothingLost(r);
            // 120 messages (60/s for 2 s) over 6 channels of 50 subscribers each.
            assertThat(r.path("delivery").path("expected").asLong()).isEqualTo(120 * 50);
            assertThat(r.path("delivery").path("lastSubscriberLatencyMicros").path("count").asLong()).isEqualTo(120);
            assertThat(r.path("protocol").asText()).isEqualTo("h2c");
            assertThat(r.path("streamsPerConnection").asInt()).isEqualTo(50);
            JsonNode c = r.path("connections");
            assertThat(c.path("everSubscribed").asLong()).isEqualTo(300);
            assertThat(c.path("sockets").asLong()).isEqualTo(6);
            String text = TextReport.render(BenchCli.JSON.treeToValue(r, BenchReport.class));
            assertThat(text).contains("sse over h2c, 50 streams per connection", "6 carried the 300 subscriber streams");
        } finally {
            server.close();
        }
    }

    /** The same subscriber over TLS: h2 by ALPN with --insecure; without it the self-signed certificate is refused. */
    @Test
    void h2OverTlsDeliversWithInsecureAndRefusesAnUntrustedCertificateWithout() throws Exception {
        SelfSignedCert cert = SelfSignedCert.make(dir);
        Security tls = new Security(List.of(), null, List.of(), cert.cert(), cert.key(), null);
        HalleyServer server = LocalNode.start(ServerOptions.DEFAULTS.withSecurity(tls));
        try {
            String sub = "https://127.0.0.1:" + server.port() + "/sub/client/{id}";
            // The publisher speaks plain HTTP/1.1 only and this node listens on TLS alone: the idle scenario.
            JsonNode r = BenchCli.run(dir, "--scenario", "idle", "--transport", "sse", "--http2", "--insecure",
                    "--streams-per-connection", "20", "--connections", "100", "--rate", "2000", "--hold", "500ms",
                    "--sub-url", sub);
            JsonNode c = r.path("connections");
            assertThat(r.path("protocol").asText()).isEqualTo("h2");
            assertThat(c.path("everSubscribed").asLong()).isEqualTo(100);
            assertThat(c.path("standing").asLong()).isEqualTo(100);
            assertThat(c.path("failedTotal").asLong()).isZero();
            assertThat(c.path("sockets").asLong()).isEqualTo(5);

            JsonNode refused = BenchCli.run(dir, "--scenario", "idle", "--transport", "sse", "--http2",
                    "--streams-per-connection", "20", "--connections", "40", "--rate", "2000", "--hold", "0s",
                    "--connect-timeout", "5s", "--sub-url", sub);
            JsonNode rc = refused.path("connections");
            assertThat(rc.path("everSubscribed").asLong()).isZero();
            assertThat(rc.path("failedTotal").asLong()).isEqualTo(40);
            assertThat(rc.path("failed").path("connect").asLong()).isEqualTo(40);
            assertThat(rc.path("sockets").asLong()).isZero();
        } finally {
            server.close();
        }
    }

    /** Polls /status (bounded) until it counts {@code n} subscriptions, or the run ended first. */
    private static JsonNode statusOnceSubscribed(String base, int n, CompletableFuture<JsonNode> run) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (int i = 0; i < 6000 && !run.isDone(); i++) {
            JsonNode st = BenchCli.JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/status")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            if (st.path("subscriptions").asInt() >= n) {
                return st;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the server never counted " + n + " subscriptions while the bench ran; report: "
                + (run.isDone() ? run.join() : "still running"));
    }
}
