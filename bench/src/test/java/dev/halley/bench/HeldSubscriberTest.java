package dev.halley.bench;

import static dev.halley.bench.BenchCli.assertNothingLost;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halley.edge.HalleyServer;
import io.netty.channel.epoll.Epoll;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Stream subscribers that leave Netty once they stand ({@link HeldSubscriber}): every one is held,
 * every message still arrives, and a server that ends a held stream is counted as having reset it.
 * Real sockets, against an in-process Halley node and a raw socket server.
 */
class HeldSubscriberTest {

    private static HalleyServer server;
    private static String base;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() throws InterruptedException {
        assertThat(Epoll.isAvailable()).as("native epoll, which the bench's lean hold needs").isTrue();
        server = LocalNode.start();
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"sse", "ws"})
    void everyStandingStreamIsHeldAndEveryMessageArrives(String transport) {
        JsonNode r = BenchCli.run(dir, "--scenario", "fanout", "--transport", transport, "--connections", "200",
                "--channels", "4", "--loops", "2", "--publish-rate", "100", "--duration", "1s",
                "--sub-url", base + "/sub/channel/{channel}", "--pub-url", base + "/pub/channel/{channel}");
        assertNothingLost(r);
        assertThat(r.path("delivery").path("expected").asLong()).isEqualTo(100 * 50);
        assertThat(r.path("delivery").path("duplicated").asLong()).isZero();
        JsonNode c = r.path("connections");
        assertThat(c.path("standing").asLong()).isEqualTo(200);
        assertThat(c.path("heldOutsideNetty").asLong()).isEqualTo(200);
    }

    @Test
    void longPollsStayInNetty() {
        JsonNode r = BenchCli.run(dir, "--scenario", "idle", "--transport", "longpoll", "--connections", "20",
                "--hold", "0s", "--sub-url", base + "/sub/client/{id}");
        assertThat(r.path("connections").path("heldOutsideNetty").isNull()).isTrue();
    }

    /**
     * The server answers each subscribe, waits until the bench has certainly taken the socket out
     * of Netty, and closes: each end is a reset, and none is left standing or held.
     */
    @ParameterizedTest
    @ValueSource(strings = {"sse", "ws"})
    void aHeldStreamTheServerEndsIsCountedAsAReset(String transport) throws Exception {
        String head = transport.equals("ws")
                ? "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: x\r\n\r\n"
                : "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n:ok\n\n\r\n";
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        ServerSocket listener = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        try {
            Thread acceptor = new Thread(() -> answerThenClose(listener, head, accepted));
            acceptor.start();
            JsonNode r = BenchCli.run(dir, "--scenario", "idle", "--transport", transport, "--connections", "10",
                    "--rate", "1000", "--hold", "3s",
                    "--sub-url", "http://127.0.0.1:" + listener.getLocalPort() + "/sub/client/{id}");
            listener.close();
            acceptor.join(5_000);
            JsonNode c = r.path("connections");
            assertThat(c.path("everSubscribed").asLong()).isEqualTo(10);
            assertThat(c.path("failed").path("reset").asLong()).isEqualTo(10);
            assertThat(c.path("standing").asLong()).isZero();
            assertThat(c.path("heldOutsideNetty").asLong()).isZero();
        } finally {
            listener.close();
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    /** Answers each connection's request head with {@code head} on a thread of its own, then closes it 500 ms later. */
    private static void answerThenClose(ServerSocket listener, String head, List<Socket> accepted) {
        try {
            while (true) {
                Socket s = listener.accept();
                accepted.add(s);
                new Thread(() -> {
                    try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                        readHead(in);
                        out.write(head.getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        Thread.sleep(500);
                    } catch (IOException | InterruptedException e) {
                        // The test closes what is left when it ends.
                    }
                }).start();
            }
        } catch (IOException closed) {
            // The listener closed: the run is over.
        }
    }

    private static void readHead(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < end.length) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the request ended inside its head");
            }
            matched = b == end[matched] ? matched + 1 : b == '\r' ? 1 : 0;
        }
    }
}
