package dev.halley.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halley.testing.TestServer;
import dev.halley.transport.Limits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The lean accept path over real sockets: what it serves itself (a plain SSE subscribe, held at
 * once), what it hands to Netty (every other request, however its bytes arrive), and that the
 * answers are the ones Netty gives with the path off.
 */
class LeanAcceptTest {

    /** The lean path is the default's: without TLS, subscriber tokens or h2c (see {@link HalleyServer}). */
    private static final ServerOptions LEAN = ServerOptions.DEFAULTS.withLoops(2);
    private static final String SUBSCRIBE = "GET /sub/client/lean HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n";

    @Test
    void aPlainSubscribeIsHeldWithoutANettyChannelAndDelivers() throws Exception {
        try (TestServer s = TestServer.start(LEAN); Socket sock = connect(s)) {
            sock.getOutputStream().write(SUBSCRIBE.getBytes(StandardCharsets.US_ASCII));
            String head = readUntil(sock.getInputStream(), ":ok\n\n");
            assertThat(head).startsWith("HTTP/1.1 200 OK\r\n").contains("content-type: text/event-stream; charset=utf-8");
            s.awaitStatus("the stream held", st -> st.at("/connections/held").asInt() == 1 && st.get("subscriptions").asInt() == 1);
            String id = s.publish("client/lean", "hello");
            assertThat(readUntil(sock.getInputStream(), "\n\n")).contains("id: " + id).contains("hello");
        }
    }

    @Test
    void aHeldStreamStartsWithTheBytesNettyWouldWrite() throws Exception {
        String lean;
        try (TestServer s = TestServer.start(LEAN); Socket sock = connect(s)) {
            sock.getOutputStream().write(SUBSCRIBE.getBytes(StandardCharsets.US_ASCII));
            lean = readUntil(sock.getInputStream(), ":ok\n\n");
        }
        try (TestServer s = TestServer.start(LEAN.withLeanAccept(false)); Socket sock = connect(s)) {
            sock.getOutputStream().write(SUBSCRIBE.getBytes(StandardCharsets.US_ASCII));
            assertThat(lean).isEqualTo(readUntil(sock.getInputStream(), ":ok\n\n"));
        }
    }

    @Test
    void aSubscribeSentOneByteAtATimeIsServed() throws Exception {
        try (TestServer s = TestServer.start(LEAN); Socket sock = connect(s)) {
            dribble(sock, SUBSCRIBE);
            assertThat(readUntil(sock.getInputStream(), ":ok\n\n")).startsWith("HTTP/1.1 200 OK\r\n");
            s.awaitStatus("the stream held", st -> st.at("/connections/held").asInt() == 1);
            String id = s.publish("client/lean", "drip");
            assertThat(readUntil(sock.getInputStream(), "\n\n")).contains("id: " + id);
        }
    }

    @Test
    void aRequestThatIsNotASubscribeSentOneByteAtATimeIsNettys() throws Exception {
        try (TestServer s = TestServer.start(LEAN); Socket sock = connect(s)) {
            dribble(sock, "GET /status HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(readUntil(sock.getInputStream(), "\r\n")).startsWith("HTTP/1.1 200 OK");
        }
    }

    @Test
    void aWebSocketUpgradeOfASubscribeUrlIsNettys() throws Exception {
        try (TestServer s = TestServer.start(LEAN); Socket sock = connect(s)) {
            sock.getOutputStream().write(("GET /sub/client/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(readUntil(sock.getInputStream(), "\r\n\r\n")).startsWith("HTTP/1.1 101 Switching Protocols");
            s.awaitStatus("a WebSocket subscription", st -> st.at("/connections/byTransport/websocket").asInt() == 1);
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (TestServer s = TestServer.start(LEAN); Socket sock = connect(s)) {
            sock.getOutputStream().write(("GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n"
                    + SUBSCRIBE).getBytes(StandardCharsets.US_ASCII));
            InputStream in = sock.getInputStream();
            assertThat(readUntil(in, "}")).startsWith("HTTP/1.1 404").contains("/first");
            assertThat(readUntil(in, "}")).contains("HTTP/1.1 404").contains("/second");
            assertThat(readUntil(in, ":ok\n\n")).contains("HTTP/1.1 200 OK").contains("text/event-stream");
        }
    }

    @Test
    void aSubscribeWithBytesAfterItsHeadIsNettysAndStillServed() throws Exception {
        try (TestServer s = TestServer.start(LEAN); Socket sock = connect(s)) {
            sock.getOutputStream().write((SUBSCRIBE + "GET /status HTTP/1.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(readUntil(sock.getInputStream(), ":ok\n\n")).startsWith("HTTP/1.1 200 OK");
            String id = s.publish("client/lean", "after");
            assertThat(readUntil(sock.getInputStream(), "\n\n")).contains("id: " + id);
        }
    }

    @Test
    void anOversizedHeadGetsTheSameAnswerAsWithTheLeanPathOff() throws Exception {
        String huge = "GET /sub/client/big HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nX-Big: " + "a".repeat(12_000) + "\r\n\r\n";
        String lean = firstLine(LEAN, huge);
        assertThat(lean).startsWith("HTTP/1.1 431");
        assertThat(lean).isEqualTo(firstLine(LEAN.withLeanAccept(false), huge));
    }

    @Test
    void aHeadNearTheConfiguredLimitIsJudgedByNetty() throws Exception {
        Limits d = Limits.DEFAULTS;
        ServerOptions small = LEAN.withLimits(d.withSizes(d.maxNameLength(), d.maxMessageBytes(), 512, d.maxUriBytes()));
        String near = "GET /sub/client/near HTTP/1.1\r\nAccept: text/event-stream\r\nX-Pad: " + "p".repeat(470) + "\r\n\r\n";
        assertThat(firstLine(small, near)).isEqualTo(firstLine(small.withLeanAccept(false), near));
    }

    @Test
    void aSlowHeadIsClosedByTheHeadTimeout() throws Exception {
        try (TestServer s = TestServer.start(LEAN.withHeaderTimeout(Duration.ofMillis(400)));
             Socket slow = connect(s)) {
            slow.getOutputStream().write("GET /sub/client/slow HTTP/1.1\r\nHo".getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            assertThat(slow.getInputStream().read()).as("closed without an answer").isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(300), Duration.ofSeconds(3));
            assertThat(TestServer.json(s.get("/status").body()).at("/connections/rejected/header_timeout").asInt()).isEqualTo(1);
            s.awaitStatus("only the status request open", st -> st.at("/connections/total").asInt() <= 1);
        }
    }

    @Test
    void aHeadHandedToNettyKeepsTheTimeLeftSinceItsAccept() throws Exception {
        try (TestServer s = TestServer.start(LEAN.withHeaderTimeout(Duration.ofMillis(600)));
             Socket slow = connect(s)) {
            OutputStream out = slow.getOutputStream();
            out.write("GET /sub/client/slow HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
            Thread.sleep(400);
            // An Origin makes it Netty's, 400 ms after the accept: it has about 200 ms left, not 600.
            out.write("Origin: http://elsewhere\r\n".getBytes(StandardCharsets.US_ASCII));
            long handedOff = System.nanoTime();
            assertThat(slow.getInputStream().read()).isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - handedOff)).isLessThan(Duration.ofMillis(500));
        }
    }

    @Test
    void badSubscribesGetTheSameAnswersAsWithTheLeanPathOff() throws Exception {
        String[] heads = {
            "GET /sub/client/bad!name HTTP/1.1\r\nAccept: text/event-stream\r\n\r\n",
            "GET /sub HTTP/1.1\r\nAccept: text/event-stream\r\n\r\n",
            "GET /sub/client/a HTTP/1.1\r\nAccept: text/event-stream\r\nLast-Event-ID: not-an-id\r\n\r\n",
            "GET /sub/client/%zz HTTP/1.1\r\nAccept: text/event-stream\r\n\r\n",
            "GET /sub/clientx HTTP/1.1\r\nAccept: text/event-stream\r\n\r\n",
            "GET /sub/client/a HTTP/1.1\r\nAccept: text/event-stream\r\n folded\r\n\r\n",
            "GET /sub/client/a HTTP/1.1\nAccept: text/event-stream\n\n",
            "GET /sub/client/a HTTP/1.1\r\nAccept: text/event-stream\r\nBad Header: x\r\n\r\n",
        };
        try (TestServer lean = TestServer.start(LEAN); TestServer netty = TestServer.start(LEAN.withLeanAccept(false))) {
            for (String head : heads) {
                assertThat(answer(lean, head)).as(head).isEqualTo(answer(netty, head));
            }
        }
    }

    @Test
    void theConnectionLimitHoldsOnTheLeanPath() throws Exception {
        try (TestServer s = TestServer.start(LEAN.withLimits(Limits.DEFAULTS.withMaxConnections(2, 100)));
             Socket a = connect(s)) {
            a.getOutputStream().write(SUBSCRIBE.getBytes(StandardCharsets.US_ASCII));
            readUntil(a.getInputStream(), ":ok\n\n");
            try (Socket b = connect(s)) {
                b.getOutputStream().write(SUBSCRIBE.replace("lean", "b").getBytes(StandardCharsets.US_ASCII));
                readUntil(b.getInputStream(), ":ok\n\n");
                // Only now the third: opened beside the second, the loops may accept it first and refuse
                // the second instead. The refusal is written at accept, before any request is read; a
                // request sent meanwhile could reach the closed socket and reset the connection first.
                try (Socket c = connect(s)) {
                    assertThat(readUntil(c.getInputStream(), "\r\n")).startsWith("HTTP/1.1 503");
                }
            }
        }
    }

    @Test
    void aDrainEndsHeldStreamsAndHeadsStillBeingRead() throws Exception {
        try (TestServer s = TestServer.start(LEAN); Socket stream = connect(s); Socket slow = connect(s)) {
            stream.getOutputStream().write(SUBSCRIBE.getBytes(StandardCharsets.US_ASCII));
            readUntil(stream.getInputStream(), ":ok\n\n");
            slow.getOutputStream().write("GET /sub/client/slow HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
            s.awaitStatus("both connected", st -> st.at("/connections/total").asInt() >= 2);
            s.server().drain(Duration.ofSeconds(5)).toCompletableFuture().get();
            assertThat(readUntil(stream.getInputStream(), "0\r\n\r\n")).contains("retry: ");
            assertThat(stream.getInputStream().read()).isEqualTo(-1);
            assertThat(slow.getInputStream().read()).isEqualTo(-1);
        }
    }

    private static Socket connect(TestServer s) throws IOException {
        Socket sock = new Socket("127.0.0.1", s.port());
        sock.setSoTimeout(10_000);
        sock.setTcpNoDelay(true);
        return sock;
    }

    /** Sends {@code text} one byte per TCP segment, as far as Nagle-free small writes with pauses make it. */
    private static void dribble(Socket sock, String text) throws Exception {
        OutputStream out = sock.getOutputStream();
        for (byte b : text.getBytes(StandardCharsets.US_ASCII)) {
            out.write(b);
            out.flush();
            Thread.sleep(2);
        }
    }

    /** The first line of the answer {@code head} gets from a node started with {@code options}. */
    private static String firstLine(ServerOptions options, String head) throws Exception {
        String all = answer(options, head);
        int end = all.indexOf("\r\n");
        return end < 0 ? all : all.substring(0, end);
    }

    /** Status line and body of the answer {@code head} gets (headers other than the status line vary by nothing here). */
    private static String answer(ServerOptions options, String head) throws Exception {
        try (TestServer s = TestServer.start(options)) {
            return answer(s, head);
        }
    }

    private static String answer(TestServer s, String head) throws Exception {
        try (Socket sock = connect(s)) {
            sock.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = sock.getInputStream();
            sock.setSoTimeout(1000);
            try {
                for (int b = in.read(); b >= 0; b = in.read()) {
                    got.write(b);
                }
            } catch (SocketTimeoutException | java.net.SocketException e) {
                // Kept alive or reset after the answer: what arrived is the answer.
            }
            return got.toString(StandardCharsets.US_ASCII);
        }
    }

    /** Reads up to and including {@code end}; fails on end of input first. */
    private static String readUntil(InputStream in, String end) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (!(sb.length() >= end.length() && sb.substring(sb.length() - end.length()).equals(end))) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("end of input after: " + sb);
            }
            sb.append((char) b);
        }
        return sb.toString();
    }
}
