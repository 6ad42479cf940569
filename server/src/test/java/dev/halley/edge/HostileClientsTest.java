package dev.halley.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halley.testing.TestServer;
import dev.halley.transport.Limits;
import dev.halley.transport.MegaCometOptions;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostileClientsTest {

    @Test
    void aSlowlorisConnectionIsClosedAfterTheHeaderTimeoutWhileOthersAreServed() throws Exception {
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(2).withHeaderTimeout(Duration.ofMillis(300)));
             Socket slow = new Socket("127.0.0.1", s.port())) {
            slow.setSoTimeout(5000);
            slow.getOutputStream().write("GET /status HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            for (int i = 0; i < 3; i++) {
                Thread.sleep(50);
                slow.getOutputStream().write("X-Drip: 1\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            assertThat(slow.getInputStream().read()).as("closed without an answer").isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
            assertThat(TestServer.json(s.get("/status").body()).at("/connections/rejected/header_timeout").asInt()).isEqualTo(1);
        }
    }

    @Test
    void aHeldLongPollIsNotCutByTheHeaderTimeout() {
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(2).withHeaderTimeout(Duration.ofMillis(200)))) {
            JsonNode answer = TestServer.json(s.get("/sub/client/patient?timeout=1s").body());
            assertThat(answer.get("messages")).isEmpty();
        }
    }

    @Test
    void tooManyConnectionsFromOneAddressGet429() throws IOException {
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(2).withLimits(Limits.DEFAULTS.withMaxConnections(1000, 3)));
             Socket b = new Socket("127.0.0.1", s.port());
             Socket c = new Socket("127.0.0.1", s.port())) {
            Socket a = new Socket("127.0.0.1", s.port());
            awaitOpen(a, b, c);
            assertThat(statusOfNewConnection(s.port())).isEqualTo(429);
            a.close();
            Socket again = awaitServed(s.port());
            again.close();
        }
    }

    @Test
    void thePerAddressLimitHoldsAcrossAllOfTheNodesPorts() throws IOException {
        ServerOptions options = ServerOptions.DEFAULTS.withLoops(2)
                .withLimits(Limits.DEFAULTS.withMaxConnections(1000, 2))
                .withMegacomet(new MegaCometOptions(true, List.of(0), 0));
        try (TestServer s = TestServer.start(options);
             Socket main = new Socket("127.0.0.1", s.port());
             Socket worker = new Socket("127.0.0.1", s.server().megacometWorkerPorts().get(0))) {
            awaitOpen(main, worker);
            assertThat(statusOfNewConnection(s.server().megacometWorkerPorts().get(0))).isEqualTo(429);
        }
    }

    /**
     * What one hostile input must get: these answers in this order, then either a close or a
     * connection that still serves a next request. No answer at all is only ever right with a close.
     */
    private record Expected(String input, List<Integer> statuses, boolean closes) {

        static Expected answeredThenClosed(String input, Integer... statuses) {
            return new Expected(input, List.of(statuses), true);
        }

        static Expected answeredAndKeptOpen(String input, int status) {
            return new Expected(input, List.of(status), false);
        }

        static Expected closedUnanswered(String input) {
            return new Expected(input, List.of(), true);
        }
    }

    @Test
    void garbageAndBrokenFramingGetA4xxOrACloseAndNothingElseBreaks() throws IOException {
        List<Expected> inputs = List.of(
                Expected.answeredThenClosed("GARBAGE\r\n\r\n", 400),
                Expected.answeredThenClosed("GET\r\n\r\n", 400),
                Expected.answeredThenClosed("GET / HTTP/9.9\r\nHost: x\r\n\r\n", 505),
                Expected.answeredThenClosed("POST /pub/client/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "zz\r\nhello\r\n0\r\n\r\n", 400),
                Expected.answeredThenClosed("POST /pub/client/a HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 400),
                Expected.answeredThenClosed("POST /pub/client/a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello",
                        400),
                Expected.answeredAndKeptOpen("GET /sub/client/%C3%28 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                Expected.answeredAndKeptOpen("GET /sub/client/%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                Expected.answeredAndKeptOpen("GET /sub/client/a?since=%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                Expected.answeredThenClosed("GET /no-such-path HTTP/1.1\r\nHost: x\r\n\r\n\u0000\u0001\u0002garbage after a good request\r\n\r\n",
                        404, 400),
                Expected.answeredAndKeptOpen("GET /sub/channel/x HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 5\r\n\r\n", 426),
                Expected.answeredThenClosed("GET /sub/channel/x HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Version: 13\r\n\r\n", 400),
                Expected.answeredThenClosed("\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003", 400));
        try (TestServer s = TestServer.start()) {
            for (Expected e : inputs) {
                String shown = e.input().replace("\r\n", "\\r\\n");
                try (Socket sock = new Socket("127.0.0.1", s.port())) {
                    // A bound on every read: an input that hangs the connection fails here, never passes.
                    sock.setSoTimeout(5000);
                    sock.getOutputStream().write(e.input().getBytes(StandardCharsets.ISO_8859_1));
                    InputStream in = sock.getInputStream();
                    List<Integer> statuses = new ArrayList<>();
                    for (int i = 0; i < e.statuses().size(); i++) {
                        statuses.add(readResponse(in, shown));
                    }
                    assertThat(statuses).as("answers to %s", shown).isEqualTo(e.statuses());
                    if (e.closes()) {
                        assertThat(in.read()).as("closed after the answers to %s", shown).isEqualTo(-1);
                    } else {
                        sock.getOutputStream().write("GET /status HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        assertThat(readResponse(in, shown)).as("the connection still serves after %s", shown).isEqualTo(200);
                    }
                } catch (SocketTimeoutException hung) {
                    throw new AssertionError("the server neither answered nor closed within 5s after " + shown, hung);
                }
            }
            assertThat(TestServer.json(s.get("/status").body()).at("/messages/published").asInt())
                    .as("no garbage was published").isZero();
            assertThat(s.publish("client/after", "fine")).isNotBlank();
        }
    }

    /** Reads one whole response (its head, then Content-Length bytes of body) and returns its status. */
    private static int readResponse(InputStream in, String input) throws IOException {
        String statusLine = readLine(in);
        assertThat(statusLine).as("a status line in answer to %s", input).matches("HTTP/1\\.1 \\d{3} .*");
        int length = 0;
        for (String header = readLine(in); !header.isEmpty(); header = readLine(in)) {
            if (header.regionMatches(true, 0, "content-length:", 0, 15)) {
                length = Integer.parseInt(header.substring(15).strip());
            }
        }
        assertThat(in.readNBytes(length)).as("the body answering %s", input).hasSize(length);
        return Integer.parseInt(statusLine.substring(9, 12));
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            assertThat(b).as("the answer ended inside a line: %s", line).isNotNegative();
            line.append((char) b);
        }
        return line.toString().strip();
    }

    @Test
    void aWebSocketPeerThatStopsAnsweringPingsIsClosed() throws IOException {
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(2)
                .withTimeouts(Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofMillis(200)));
             Socket raw = new Socket("127.0.0.1", s.port())) {
            raw.setSoTimeout(10_000);
            raw.getOutputStream().write(("GET /sub/channel/x HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = raw.getInputStream();
            long start = System.nanoTime();
            while (in.read() >= 0) {
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
            }
            assertThat(TestServer.json(s.get("/status").body()).at("/connections/rejected/dead_peer").asInt()).isEqualTo(1);
        }
    }

    @Test
    void thousandsOfResetsMidRequestLeaveTheServerIdleAndServing() throws Exception {
        try (TestServer s = TestServer.start()) {
            for (int round = 0; round < 4; round++) {
                List<Socket> sockets = new ArrayList<>();
                for (int i = 0; i < 500; i++) {
                    Socket sock = new Socket("127.0.0.1", s.port());
                    String partial = i % 2 == 0 ? "GET /sub/client/r" + i + "?timeout=30s HTTP/1.1\r\nHost: x\r\n\r\n"
                            : "POST /pub/client/r HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalf";
                    sock.getOutputStream().write(partial.getBytes(StandardCharsets.US_ASCII));
                    sockets.add(sock);
                }
                for (Socket sock : sockets) {
                    sock.setSoLinger(true, 0);
                    sock.close();
                }
            }
            s.awaitStatus("only the status request open", st -> st.at("/connections/total").asInt() <= 1);
            assertThat(TestServer.json(s.get("/status").body()).at("/subscriptions").asInt()).isZero();
            double cpuSeconds = loopCpuSecondsOver(Duration.ofSeconds(1));
            assertThat(cpuSeconds).as("event-loop CPU while idle after the resets (MegaComet's workers spun at 100%)").isLessThan(0.25);
            assertThat(s.publish("client/after", "fine")).isNotBlank();
        }
    }

    /** CPU time the server's event-loop threads use over {@code window}: a spinning loop would use all of it. */
    private static double loopCpuSecondsOver(Duration window) throws InterruptedException {
        long before = loopCpuNanos();
        Thread.sleep(window.toMillis());
        return (loopCpuNanos() - before) / 1e9;
    }

    private static long loopCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long total = 0;
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().startsWith("multiThreadIoEventLoopGroup")) {
                total += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        return total;
    }

    private static void awaitOpen(Socket... sockets) throws IOException {
        for (Socket sock : sockets) {
            sock.setSoTimeout(5000);
            sock.getOutputStream().write("GET /status HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(sock.getInputStream().readNBytes(12), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
        }
    }

    /** The per-address count drops when the server sees the close; retry until a new connection is served. */
    private static Socket awaitServed(int port) throws IOException {
        for (int i = 0; i < 200; i++) {
            Socket sock = new Socket("127.0.0.1", port);
            sock.setSoTimeout(5000);
            sock.getOutputStream().write("GET /status HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            if (new String(sock.getInputStream().readNBytes(12), StandardCharsets.US_ASCII).equals("HTTP/1.1 200")) {
                return sock;
            }
            sock.close();
        }
        throw new AssertionError("a connection was never served again after one closed");
    }

    /**
     * The status a new connection is answered with when it sends a request. The gate refuses
     * before reading anything, so its close may come as a reset once the answer is read; a
     * server that stays silent fails after 5 s.
     */
    private static int statusOfNewConnection(int port) throws IOException {
        try (Socket sock = new Socket("127.0.0.1", port)) {
            sock.setSoTimeout(5000);
            sock.getOutputStream().write("GET /status HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            return readResponse(sock.getInputStream(), "a request on a new connection");
        }
    }
}
