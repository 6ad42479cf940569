package dev.halley.bench;

import static dev.halley.bench.BenchCli.assertNothingLost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halley.edge.HalleyServer;
import dev.halley.edge.ServerOptions;
import dev.halley.transport.Limits;
import dev.halley.transport.MegaCometOptions;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every scenario and transport against a real in-process Halley node, over real sockets. */
class BenchHalleyTest {

    private static HalleyServer server;
    private static String base;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() throws InterruptedException {
        server = LocalNode.start();
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void idleHoldsEveryConnectionAndTimesEachSubscription() {
        JsonNode r = BenchCli.run(dir, "--scenario", "idle", "--connections", "300", "--rate", "3000", "--hold", "1s",
                "--source", "127.0.0.2-127.0.0.4", "--sub-url", base + "/sub/client/{id}", "--server-pid", Long.toString(ProcessHandle.current().pid()),
                "--server-status", base + "/status");
        JsonNode c = r.path("connections");
        assertThat(c.path("standing").asLong()).isEqualTo(300);
        assertThat(c.path("everSubscribed").asLong()).isEqualTo(300);
        assertThat(c.path("failedTotal").asLong()).isZero();
        assertThat(c.path("connectTimeMicros").path("count").asLong()).isEqualTo(300);
        // 300 at 3,000/s: the connect phase takes at least the 0.1 s the rate allows, and no longer than the run.
        assertThat(c.path("connectSeconds").asDouble()).isBetween(0.09, r.path("timeTakenSeconds").asDouble());
        assertThat(c.path("subscribedPerSecond").asDouble())
                .isCloseTo(300 / c.path("connectSeconds").asDouble(), within(0.01));
        assertThat(r.path("delivery").isNull()).isTrue();
        JsonNode s = r.path("server");
        assertThat(s.path("rssLoadedBytes").asLong()).isPositive();
        assertThat(s.path("heapUsedLoadedBytes").asLong()).isPositive();
        assertThat(s.path("cpuSeconds").isNumber()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"sse", "ws", "longpoll"})
    void directDeliversEveryMessageOnceOverEachTransport(String transport) {
        JsonNode r = BenchCli.run(dir, "--scenario", "direct", "--transport", transport, "--connections", "200",
                "--rate", "2000", "--publish-rate", "300", "--duration", "1s", "--pub-concurrency", "4",
                "--sub-url", base + "/sub/client/{id}", "--pub-url", base + "/pub/client/{id}");
        assertNothingLost(r);
        assertThat(r.path("delivery").path("expected").asLong()).isEqualTo(300);
        assertThat(r.path("delivery").path("outOfOrder").asLong()).isZero();
    }

    /**
     * 40 of 200 clients are refused (at most 80 connections per source address, 100 from each of
     * two): messages addressed to them cannot arrive, so they are reported apart, not as lost.
     */
    @Test
    void directCountsMessagesToClientsThatNeverSubscribedApartFromLost() throws Exception {
        HalleyServer limited = LocalNode.start(ServerOptions.DEFAULTS.withLimits(Limits.DEFAULTS.withMaxConnections(1_000_000, 80)));
        try {
            String at = "http://127.0.0.1:" + limited.port();
            JsonNode r = BenchCli.run(dir, "--scenario", "direct", "--transport", "sse", "--connections", "200",
                    "--rate", "2000", "--publish-rate", "300", "--duration", "1s", "--source", "127.0.0.2-127.0.0.3",
                    "--connect-timeout", "5s", "--grace", "8s",
                    "--sub-url", at + "/sub/client/{id}", "--pub-url", at + "/pub/client/{id}");
            JsonNode d = r.path("delivery");
            assertThat(r.path("connections").path("everSubscribed").asLong()).isEqualTo(160);
            assertThat(r.path("connections").path("failedTotal").asLong()).isEqualTo(40);
            assertThat(r.path("publish").path("accepted").asLong()).isEqualTo(300);
            // 300 messages to random clients, a fifth of them refused: about 60, certainly some.
            long never = d.path("addressedToNeverSubscribed").asLong();
            assertThat(never).isBetween(20L, 120L);
            assertThat(d.path("lost").asLong()).as("lost").isZero();
            assertThat(d.path("expected").asLong()).isEqualTo(300 - never);
            assertThat(d.path("delivered").asLong()).isEqualTo(300 - never);
            String text = TextReport.render(BenchCli.JSON.treeToValue(r, BenchReport.class));
            assertThat(text).contains(never + " addressed to clients that never subscribed", "0 lost");
        } finally {
            limited.close();
        }
    }

    /**
     * A publish API that answers every request with {@code Connection: close}, as pushpin's control
     * API does (here a socket that forwards each publish to Halley): every message still goes
     * through, more of them than the publisher's reconnect budget of 100.
     */
    @Test
    void publishApiThatClosesAfterEveryAnswerGetsEveryMessageThrough() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        ExecutorService answering = Executors.newFixedThreadPool(4);
        try (ServerSocket closing = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                while (!closing.isClosed()) {
                    try {
                        Socket s = closing.accept();
                        answering.execute(() -> forwardAndClose(s, http));
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "closing-publish-api");
            acceptor.setDaemon(true);
            acceptor.start();
            JsonNode r = BenchCli.run(dir, "--scenario", "direct", "--connections", "100", "--rate", "2000",
                    "--publish-rate", "150", "--duration", "1s", "--pub-concurrency", "4", "--grace", "30s",
                    "--sub-url", base + "/sub/client/{id}", "--pub-url", "http://127.0.0.1:" + closing.getLocalPort() + "/pub/client/{id}");
            assertNothingLost(r);
            assertThat(r.path("publish").path("accepted").asLong()).isEqualTo(150);
        } finally {
            answering.shutdownNow();
        }
    }

    /** One request on {@code s}: read it, publish its body to Halley, answer with Halley's status and close. */
    private static void forwardAndClose(Socket s, HttpClient http) {
        try (s) {
            s.setSoTimeout(10_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            StringBuilder head = new StringBuilder();
            while (head.indexOf("\r\n\r\n") < 0) {
                int b = in.read();
                if (b < 0) {
                    throw new EOFException("request head cut short");
                }
                head.append((char) b);
            }
            String path = head.substring(0, head.indexOf("\r\n")).split(" ")[1];
            Matcher length = Pattern.compile("(?i)content-length:\\s*(\\d+)").matcher(head);
            byte[] body = in.readNBytes(length.find() ? Integer.parseInt(length.group(1)) : 0);
            HttpResponse<Void> answer = http.send(HttpRequest.newBuilder(URI.create(base + path))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding());
            s.getOutputStream().write(("HTTP/1.1 " + answer.statusCode() + " Answered\r\nConnection: close\r\n"
                    + "Content-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            // The publisher counts a connection closed without an answer as failed; the test then fails on it.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void fanoutCountsEverySubscriberOfEveryMessage() {
        JsonNode r = BenchCli.run(dir, "--scenario", "fanout", "--transport", "sse", "--connections", "300",
                "--channels", "6", "--rate", "3000", "--publish-rate", "60", "--duration", "1s",
                "--sub-url", base + "/sub/channel/{channel}", "--pub-url", base + "/pub/channel/{channel}");
        assertNothingLost(r);
        // 60 messages over 6 channels of 50 subscribers each.
        assertThat(r.path("delivery").path("expected").asLong()).isEqualTo(60 * 50);
        assertThat(r.path("delivery").path("lastSubscriberLatencyMicros").path("count").asLong()).isEqualTo(60);
        // Fanout's expected counts only subscribers that stood when publishing began; no separate figure.
        assertThat(r.path("delivery").path("addressedToNeverSubscribed").isNull()).isTrue();
    }

    @Test
    void churnResumesWithTheCursorAndLosesNothing() {
        JsonNode r = BenchCli.run(dir, "--scenario", "churn", "--transport", "longpoll", "--connections", "100",
                "--rate", "2000", "--publish-rate", "200", "--duration", "2s",
                "--sub-url", base + "/sub/client/{id}?timeout=1s", "--pub-url", base + "/pub/client/{id}");
        assertNothingLost(r);
        assertThat(r.path("requests").path("completed").asLong()).isGreaterThanOrEqualTo(100);
    }

    @Test
    void rampReportsEachOfferedRate() {
        JsonNode r = BenchCli.run(dir, "--scenario", "direct", "--transport", "sse", "--connections", "100",
                "--ramp", "50,100", "--duration", "1s", "--html", dir.resolve("ramp.html").toString(),
                "--sub-url", base + "/sub/client/{id}", "--pub-url", base + "/pub/client/{id}");
        assertNothingLost(r);
        assertThat(r.path("steps")).hasSize(2);
        assertThat(r.path("steps").get(0).path("offeredPerSecond").asInt()).isEqualTo(50);
        assertThat(r.path("steps").get(1).path("offeredPerSecond").asInt()).isEqualTo(100);
        assertThat(r.path("steps").get(1).path("offered").asLong()).isEqualTo(100);
        assertThat(r.path("publish").path("offered").asLong()).isEqualTo(150);
    }

    /** Two loops, so a client's quick re-poll may land on the loop that does not own its mailbox. */
    @Test
    void megacometTransportAndManagerProtocol() throws InterruptedException {
        HalleyServer mc = LocalNode.start(ServerOptions.DEFAULTS.withMegacomet(new MegaCometOptions(true, List.of(0), 0)));
        try {
            int worker = mc.megacometWorkerPorts().get(0);
            JsonNode r = BenchCli.run(dir, "--scenario", "direct", "--transport", "megacomet", "--connections", "100",
                    "--rate", "2000", "--publish-rate", "100", "--duration", "1s", "--megacomet-workers", "1",
                    "--sub-url", "http://127.0.0.1:" + worker + "/{id}.js",
                    "--pub-megacomet", "127.0.0.1:" + mc.megacometManagerPort());
            assertNothingLost(r);
        } finally {
            mc.close();
        }
    }

    @Test
    void procsTwoMergesTheChildrensHistogramsAndLedgers() {
        JsonNode r = BenchCli.run(dir, "--scenario", "direct", "--transport", "sse", "--procs", "2", "--connections", "200",
                "--rate", "2000", "--publish-rate", "200", "--duration", "1s",
                "--sub-url", base + "/sub/client/{id}", "--pub-url", base + "/pub/client/{id}");
        assertNothingLost(r);
        assertThat(r.path("procs").asInt()).isEqualTo(2);
        assertThat(r.path("connections").path("standing").asLong()).isEqualTo(200);
        assertThat(r.path("connections").path("connectTimeMicros").path("count").asLong()).isEqualTo(200);
        assertThat(r.path("delivery").path("expected").asLong()).isEqualTo(200);
    }

    @Test
    void jsonReportHasTheDocumentedFields() throws Exception {
        Path html = dir.resolve("r.html");
        JsonNode r = BenchCli.run(dir, "--scenario", "fanout", "--connections", "60", "--channels", "3",
                "--publish-rate", "30", "--duration", "1s", "--html", html.toString(),
                "--sub-url", base + "/sub/channel/{channel}", "--pub-url", base + "/pub/channel/{channel}");
        assertThat(r.path("schema").asText()).isEqualTo("halley-bench/1");
        for (String f : List.of("scenario", "transport", "concurrency", "procs", "subUrl", "pubUrl", "startedAt",
                "timeTakenSeconds", "connections", "publish", "delivery", "requests", "server", "client", "steps", "timeline")) {
            assertThat(r.has(f)).as("field %s", f).isTrue();
        }
        for (String f : List.of("target", "attempted", "standing", "everSubscribed", "failed", "failedTotal", "connectTimeMicros")) {
            assertThat(r.path("connections").has(f)).as("connections.%s", f).isTrue();
        }
        for (String cause : List.of("connect", "timeout", "reset", "non2xx", "parse")) {
            assertThat(r.path("connections").path("failed").has(cause)).as("cause %s", cause).isTrue();
        }
        JsonNode latency = r.path("delivery").path("latencyMicros");
        for (String f : List.of("count", "min", "mean", "stdDev", "median", "max")) {
            assertThat(latency.path(f).isNumber()).as("latencyMicros.%s", f).isTrue();
        }
        assertThat(latency.path("percentiles").fieldNames()).toIterable()
                .containsExactly("50", "66", "75", "80", "90", "95", "98", "99", "99.9", "99.99", "100");
        assertThat(latency.path("percentiles").path("100").asLong()).isEqualTo(latency.path("max").asLong());
        assertThat(latency.path("min").asLong()).isLessThanOrEqualTo(latency.path("median").asLong());
        assertThat(r.path("delivery").path("expected").asLong()).isEqualTo(30 * 20);
        assertThat(r.path("delivery").path("delivered").asLong() + r.path("delivery").path("lost").asLong())
                .isEqualTo(r.path("delivery").path("expected").asLong());
        assertThat(r.path("timeline").size()).isPositive();
        assertThat(r.path("requests").isNull()).isTrue();
        // Not measured without --server-pid: null, never a guess.
        assertThat(r.path("server").path("rssLoadedBytes").isNull()).isTrue();
        String page = Files.readString(html);
        assertThat(page).contains("<svg", "Connections standing over time", "Latency by percentile").doesNotContain("<script");
    }

    @Test
    void aConnectWindowSubscribesEveryConnection() {
        JsonNode r = BenchCli.run(dir, "--scenario", "idle", "--connections", "200", "--rate", "5000", "--max-pending", "3",
                "--hold", "0s", "--sub-url", base + "/sub/client/{id}");
        assertThat(r.path("connections").path("everSubscribed").asLong()).isEqualTo(200);
        assertThat(r.path("connections").path("failedTotal").asLong()).isZero();
    }

    /**
     * A server that accepts and never answers: without a window the bench would open all 200 at
     * its rate; with one it opens a window's worth, and after they time out one or two at a time.
     */
    @Test
    void aConnectWindowStopsOpeningWhileTheServerDoesNotAnswer() throws Exception {
        ServerSocket silent = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
        try {
            List<Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept());
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            acceptor.start();
            Path json = dir.resolve("silent.json");
            BenchCli.Outcome o = BenchCli.execute("--scenario", "idle", "--connections", "200", "--rate", "2000",
                    "--max-pending", "8", "--connect-timeout", "1s", "--hold", "0s", "--max-time", "3s", "--json", json.toString(),
                    "--sub-url", "http://127.0.0.1:" + silent.getLocalPort() + "/sub/client/{id}");
            silent.close();
            acceptor.join(5_000);
            for (Socket s : held) {
                s.close();
            }
            assertThat(o.exitCode()).as("stderr: %s", o.err()).isIn(0, 1);
            JsonNode c = BenchCli.JSON.readTree(Files.readString(json)).path("connections");
            assertThat(c.path("everSubscribed").asLong()).isZero();
            // 4 at first, then the window halves with each timeout: a handful in 3 s, far from 200.
            assertThat(held.size()).isBetween(ConnectWindow.INITIAL, 20);
            // A connect still in flight when the run ended may not have been accepted yet.
            assertThat(c.path("attempted").asLong()).isBetween((long) held.size(), 20L);
        } finally {
            silent.close();
        }
    }

    @Test
    void failuresAreCountedByCause() throws Exception {
        JsonNode notFound = BenchCli.run(dir, "--scenario", "idle", "--connections", "20", "--hold", "0s",
                "--sub-url", base + "/nowhere/{id}");
        assertThat(notFound.path("connections").path("failed").path("non2xx").asLong()).isEqualTo(20);
        assertThat(notFound.path("connections").path("standing").asLong()).isZero();
        assertThat(notFound.path("connections").path("connectTimeMicros").path("count").asLong()).isZero();
        assertThat(notFound.path("connections").path("connectTimeMicros").path("median").isNull()).isTrue();
        assertThat(notFound.path("connections").path("subscribedPerSecond").isNull()).isTrue();

        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        JsonNode refused = BenchCli.run(dir, "--scenario", "idle", "--connections", "20", "--hold", "0s",
                "--sub-url", "http://127.0.0.1:" + closedPort + "/sub/client/{id}");
        assertThat(refused.path("connections").path("failed").path("connect").asLong()).isEqualTo(20);
    }
}
