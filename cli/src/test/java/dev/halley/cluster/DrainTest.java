package dev.halley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halley.testing.Eventually;
import dev.halley.testing.RedisProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Draining a node: it stops accepting, tells every client to go elsewhere the way its transport
 * understands, and exits within {@code --drain-timeout} — with thousands of clients connected.
 */
class DrainTest {

    private static final int SSE_CONNECTIONS = 2000;
    private static final int DRAIN_TIMEOUT_SECONDS = 5;
    /** Past the drain timeout: closing the loops and the JVM's exit. */
    private static final int EXIT_SLACK_SECONDS = 15;

    @Test
    void drainCommandEndsTwoThousandSseStreamsAndTheNodeExits() throws Exception {
        try (RedisProcess redis = new RedisProcess();
             NodeProcess node = new NodeProcess(redis.uri(), "--drain-timeout", DRAIN_TIMEOUT_SECONDS + "s")) {
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < SSE_CONNECTIONS; i++) {
                    Socket s = new Socket();
                    s.connect(new InetSocketAddress("127.0.0.1", node.port()), 5000);
                    s.getOutputStream().write(("GET /sub/channel/c" + (i % 50) + " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    sockets.add(s);
                }
                Eventually.await("every stream is open",
                        () -> sseOpen(node) >= SSE_CONNECTIONS);

                Process drain = new ProcessBuilder(javaBin(), "-cp", System.getProperty("java.class.path"),
                        "dev.halley.cli.Halley", "drain", "--url", node.url("")).redirectErrorStream(true).start();
                assertThat(drain.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(drain.exitValue()).as(new String(drain.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();

                assertThat(node.process().waitFor(DRAIN_TIMEOUT_SECONDS + EXIT_SLACK_SECONDS, TimeUnit.SECONDS))
                        .as("the node exits within its drain bound").isTrue();
                assertThat(node.process().exitValue()).isZero();
                int toldToRetry = 0;
                for (Socket s : sockets) {
                    String seen = readToEnd(s);
                    if (seen.contains("\r\nretry: ") || seen.contains("\nretry: ")) {
                        toldToRetry++;
                    }
                }
                assertThat(toldToRetry).as("streams told to reconnect elsewhere").isEqualTo(SSE_CONNECTIONS);
                assertThat(node.logText()).contains("event=drain_finished");
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }

    @Test
    void sigtermAnswersLongPollsClosesWebSocketsWith1012AndExits() throws Exception {
        try (RedisProcess redis = new RedisProcess();
             NodeProcess node = new NodeProcess(redis.uri(), "--drain-timeout", DRAIN_TIMEOUT_SECONDS + "s")) {
            String cursor = node.publish("/pub/client/dora", "before");
            CompletableFuture<HttpResponse<String>> poll = NodeProcess.HTTP.sendAsync(
                    HttpRequest.newBuilder(URI.create(node.url("/sub/client/dora?timeout=60s&since=" + cursor))).build(),
                    HttpResponse.BodyHandlers.ofString());
            CompletableFuture<Integer> closeCode = new CompletableFuture<>();
            NodeProcess.HTTP.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + node.port() + "/sub/channel/x"),
                    new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                            closeCode.complete(statusCode);
                            return null;
                        }
                    }).get(10, TimeUnit.SECONDS);
            Eventually.await("both are connected", () -> connections(node) >= 2);

            node.process().destroy();

            HttpResponse<String> answer = poll.get(DRAIN_TIMEOUT_SECONDS + EXIT_SLACK_SECONDS, TimeUnit.SECONDS);
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(NodeProcess.JSON.readTree(answer.body()).get("cursor").asText()).isEqualTo(cursor);
            assertThat(closeCode.get(DRAIN_TIMEOUT_SECONDS + EXIT_SLACK_SECONDS, TimeUnit.SECONDS)).isEqualTo(1012);
            assertThat(node.process().waitFor(DRAIN_TIMEOUT_SECONDS + EXIT_SLACK_SECONDS, TimeUnit.SECONDS)).isTrue();
            assertThat(node.logText()).contains("event=drain_started").contains("event=drain_finished");
        }
    }

    private static String readToEnd(Socket s) throws IOException {
        s.setSoTimeout(5000);
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                seen.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            return "(no end of stream) " + seen.toString(StandardCharsets.US_ASCII);
        } catch (IOException reset) {
            return "(reset) " + seen.toString(StandardCharsets.US_ASCII);
        }
        return seen.toString(StandardCharsets.US_ASCII);
    }

    private static long sseOpen(NodeProcess node) {
        try {
            return node.status().get("connections").get("byTransport").get("sse").asLong();
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }

    private static long connections(NodeProcess node) {
        try {
            return node.status().get("connections").get("total").asLong();
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
