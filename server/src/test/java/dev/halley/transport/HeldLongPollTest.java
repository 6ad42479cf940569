package dev.halley.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halley.auth.Security;
import dev.halley.edge.ServerOptions;
import dev.halley.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Long-polls once they have left Netty for a {@link HeldSocket}, over raw sockets: answered by a
 * publish, the timeout, the next request or a drain, as JSON or JavaScript, with CORS headers, and
 * the same connection going back to Netty for the next poll.
 */
class HeldLongPollTest {

    @Test
    void aHeldPollIsAnsweredByAPublishAndTheNextPollUsesTheSameSocket() throws Exception {
        try (TestServer s = TestServer.start(); Socket sock = connect(s)) {
            send(sock, get("/sub/client/alice?timeout=20s"));
            awaitHeld(s, 1);
            String id = s.publish("client/alice", "hello alice");

            Answer first = Answer.read(sock.getInputStream());
            assertThat(first.status()).isEqualTo("HTTP/1.1 200 OK");
            assertThat(first.headers()).containsExactly("content-type: application/json",
                    "content-length: " + first.body().length(), "cache-control: no-cache");
            JsonNode body = first.json();
            assertThat(body.at("/messages/0/id").asText()).isEqualTo(id);
            assertThat(body.at("/messages/0/data").asText()).isEqualTo("hello alice");
            assertThat(body.get("cursor").asText()).isEqualTo(id);
            assertThat(body.get("gap").asBoolean()).isFalse();
            s.awaitStatus("the answered poll back on Netty", st -> st.at("/connections/held").asInt() == 0
                    && st.at("/connections/byTransport/longpoll").asInt() == 0);

            send(sock, get("/sub/client/alice?timeout=20s&since=" + id));
            awaitHeld(s, 1);
            String next = s.publish("client/alice", "again");
            assertThat(Answer.read(sock.getInputStream()).json().at("/messages/0/id").asText()).isEqualTo(next);
        }
    }

    @Test
    void aHeldPollTimesOutWithACursorThatMissesNothingAndTheSocketStaysOpen() throws Exception {
        try (TestServer s = TestServer.start(); Socket sock = connect(s)) {
            long start = System.nanoTime();
            send(sock, get("/sub/channel/news?timeout=300ms"));
            Answer empty = Answer.read(sock.getInputStream());
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(290));
            assertThat(empty.json().get("messages")).isEmpty();
            String cursor = empty.json().get("cursor").asText();

            s.publish("channel/news", "between polls");
            send(sock, get("/sub/channel/news?timeout=5s&since=" + cursor));
            assertThat(Answer.read(sock.getInputStream()).json().at("/messages/0/data").asText()).isEqualTo("between polls");
        }
    }

    @Test
    void heldPollsOnOneLoopTimeOutEachAtItsOwnDeadline() throws Exception {
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(1));
             Socket late = connect(s); Socket early = connect(s); Socket middle = connect(s); Socket published = connect(s)) {
            long start = System.nanoTime();
            send(late, get("/sub/client/late?timeout=3s"));
            send(early, get("/sub/client/early?timeout=1s"));
            send(middle, get("/sub/client/middle?timeout=2s"));
            send(published, get("/sub/client/published?timeout=1500ms"));
            awaitHeld(s, 4);
            // Answered before its deadline, it leaves the loop's deadlines without disturbing the others.
            s.publish("client/published", "now");
            assertThat(Answer.read(published.getInputStream()).json().get("messages")).hasSize(1);
            for (Socket sock : List.of(early, middle, late)) {
                assertThat(Answer.read(sock.getInputStream()).json().get("messages")).isEmpty();
                long timeoutMillis = sock == early ? 1000 : sock == middle ? 2000 : 3000;
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(timeoutMillis - 10),
                        Duration.ofMillis(timeoutMillis + 3000));
            }
        }
    }

    @Test
    void aPollTheLeanAcceptPathHandsToNettyIsHeldAndItsSocketPollsAgain() throws Exception {
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(2).withHttp2(Http2Options.OFF)); Socket sock = connect(s)) {
            send(sock, get("/sub/client/lean?timeout=20s"));
            awaitHeld(s, 1);
            s.publish("client/lean", "one");
            String cursor = Answer.read(sock.getInputStream()).json().get("cursor").asText();
            send(sock, get("/sub/client/lean?timeout=20s&since=" + cursor));
            awaitHeld(s, 1);
            String id = s.publish("client/lean", "two");
            assertThat(Answer.read(sock.getInputStream()).json().at("/messages/0/id").asText()).isEqualTo(id);
        }
    }

    @Test
    void aHeldMegacometPollIsAnsweredAsJavascriptAndWhatItCarriedIsConsumed() throws Exception {
        try (TestServer s = TestServer.start(); Socket sock = connect(s)) {
            send(sock, get("/frank.js?callback=comet.deliver&timeout=20s"));
            s.awaitStatus("a held JSONP poll", st -> st.at("/connections/held").asInt() == 1
                    && st.at("/connections/byTransport/jsonp").asInt() == 1);
            s.publish("client/frank", "to frank");
            Answer answer = Answer.read(sock.getInputStream());
            assertThat(answer.headers()).startsWith("content-type: application/javascript");
            assertThat(answer.body()).startsWith("comet.deliver({").endsWith("});").contains("\"data\":\"to frank\"");

            send(sock, get("/frank.js?timeout=100ms"));
            assertThat(Answer.read(sock.getInputStream()).json().get("messages")).as("delivered once, then removed").isEmpty();
        }
    }

    @Test
    void aHeldAnswerHasTheCorsHeadersOfItsRequest() throws Exception {
        ServerOptions options = ServerOptions.DEFAULTS.withLoops(2)
                .withSecurity(new Security(List.of(), null, List.of("https://app.example"), null, null, null));
        try (TestServer s = TestServer.start(options); Socket sock = connect(s)) {
            send(sock, get("/sub/client/cors?timeout=20s", "Origin: https://app.example\r\n"));
            awaitHeld(s, 1);
            s.publish("client/cors", "cross");
            Answer answer = Answer.read(sock.getInputStream());
            assertThat(answer.headers()).endsWith("access-control-allow-origin: https://app.example",
                    "access-control-allow-credentials: true", "vary: origin");

            String cursor = answer.json().get("cursor").asText();
            send(sock, get("/sub/client/cors?timeout=20s&since=" + cursor, "Origin: https://evil.example\r\n"));
            awaitHeld(s, 1);
            s.publish("client/cors", "not for evil");
            assertThat(Answer.read(sock.getInputStream()).headers()).noneMatch(h -> h.startsWith("access-control"));
        }
    }

    @Test
    void aHeldAnswerIsWrittenAsNettyWritesAPollNotHeld() throws Exception {
        try (TestServer s = TestServer.start(); Socket held = connect(s); Socket onNetty = connect(s)) {
            // An HTTP/1.0 poll stays on its channel; the answers differ only in their cursor.
            send(onNetty, "GET /sub/client/same?timeout=50ms HTTP/1.0\r\nConnection: keep-alive\r\nOrigin: http://x\r\n\r\n");
            Answer fromNetty = Answer.read(onNetty.getInputStream());
            send(held, get("/sub/client/same?timeout=50ms", "Origin: http://x\r\n"));
            Answer fromHeld = Answer.read(held.getInputStream());
            assertThat(fromHeld.status()).isEqualTo(fromNetty.status());
            assertThat(fromHeld.headers()).containsExactlyElementsOf(fromNetty.headers());
        }
    }

    @Test
    void connectionCloseClosesOnceTheHeldAnswerIsOut() throws Exception {
        try (TestServer s = TestServer.start(); Socket sock = connect(s)) {
            send(sock, get("/sub/client/bye?timeout=20s", "Connection: close\r\n"));
            awaitHeld(s, 1);
            int open = openConnections(s);
            s.publish("client/bye", "last");
            Answer answer = Answer.read(sock.getInputStream());
            assertThat(answer.headers()).contains("connection: close");
            assertThat(answer.json().at("/messages/0/data").asText()).isEqualTo("last");
            assertThat(sock.getInputStream().read()).isEqualTo(-1);
            s.awaitStatus("the connection gone", st -> st.at("/connections/total").asInt() == open - 1);
        }
    }

    @Test
    void aRequestSentWhileHeldEndsThePollAndIsAnsweredAfterIt() throws Exception {
        try (TestServer s = TestServer.start(); Socket sock = connect(s)) {
            send(sock, get("/sub/client/next?timeout=20s"));
            awaitHeld(s, 1);
            send(sock, get("/status"));
            Answer poll = Answer.read(sock.getInputStream());
            assertThat(poll.json().get("messages")).isEmpty();
            assertThat(poll.json().has("cursor")).isTrue();
            assertThat(Answer.read(sock.getInputStream()).json().has("connections")).isTrue();
        }
    }

    @Test
    void aRequestPipelinedBehindAPollInOneWriteEndsItAndIsAnsweredAfterIt() throws Exception {
        try (TestServer s = TestServer.start(); Socket sock = connect(s)) {
            // The extra CRLF between them, which a decoder skips, is no request of its own.
            send(sock, get("/sub/client/piped?timeout=20s") + "\r\n" + get("/sub/client/piped?timeout=100ms"));
            long start = System.nanoTime();
            Answer first = Answer.read(sock.getInputStream());
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("ended by the next request").isLessThan(Duration.ofSeconds(5));
            assertThat(first.json().get("messages")).isEmpty();
            assertThat(first.json().has("cursor")).isTrue();
            Answer second = Answer.read(sock.getInputStream());
            assertThat(second.json().get("messages")).isEmpty();
            assertThat(second.json().has("cursor")).isTrue();
        }
    }

    @Test
    void aClientThatLeavesWhileHeldIsCountedOutEverywhere() throws Exception {
        try (TestServer s = TestServer.start()) {
            List<Socket> polls = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    Socket sock = connect(s);
                    polls.add(sock);
                    send(sock, get("/sub/client/leaver" + i + "?timeout=20s"));
                }
                awaitHeld(s, 3);
                s.awaitSubscriptions(3);
                int open = openConnections(s);
                polls.remove(0).close();
                s.awaitStatus("2 held polls, 2 subscriptions, one connection less", st -> st.at("/connections/held").asInt() == 2
                        && st.at("/connections/byTransport/longpoll").asInt() == 2
                        && st.get("subscriptions").asInt() == 2
                        && st.at("/connections/total").asInt() == open - 1);
            } finally {
                for (Socket sock : polls) {
                    sock.close();
                }
            }
            s.awaitStatus("nothing held or subscribed", st -> st.at("/connections/held").asInt() == 0
                    && st.at("/connections/byTransport/longpoll").asInt() == 0 && st.get("subscriptions").asInt() == 0);
        }
    }

    @Test
    void aDrainAnswersAHeldPollWithItsCursorAndCloses() throws Exception {
        try (TestServer s = TestServer.start(); Socket sock = connect(s)) {
            String id = s.publish("client/drained", "seen");
            send(sock, get("/sub/client/drained?timeout=20s&since=" + id));
            awaitHeld(s, 1);
            s.server().drain(Duration.ofSeconds(5)).toCompletableFuture().get();
            Answer answer = Answer.read(sock.getInputStream());
            assertThat(answer.headers()).contains("connection: close");
            assertThat(answer.json().get("messages")).isEmpty();
            assertThat(answer.json().get("cursor").asText()).isEqualTo(id);
            assertThat(sock.getInputStream().read()).isEqualTo(-1);
        }
    }

    private static void awaitHeld(TestServer s, int n) {
        s.awaitStatus(n + " held long-polls", st -> st.at("/connections/held").asInt() == n
                && st.at("/connections/byTransport/longpoll").asInt() == n);
    }

    /** Open connections, the test client's own (which asks) among them. */
    private static int openConnections(TestServer s) {
        return TestServer.json(s.get("/status").body()).at("/connections/total").asInt();
    }

    private static Socket connect(TestServer s) throws IOException {
        Socket sock = new Socket("127.0.0.1", s.port());
        sock.setSoTimeout(10_000);
        sock.setTcpNoDelay(true);
        return sock;
    }

    private static String get(String target) {
        return get(target, "");
    }

    /** A keep-alive HTTP/1.1 GET with {@code headers} (each ending in CRLF). */
    private static String get(String target, String headers) {
        return "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n";
    }

    private static void send(Socket sock, String text) throws IOException {
        sock.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
    }

    /** One answer with a Content-Length body: its status line, header lines (names lower-cased) in order, and body. */
    private record Answer(String status, List<String> headers, String body) {

        static Answer read(InputStream in) throws IOException {
            String status = line(in);
            List<String> headers = new ArrayList<>();
            int length = -1;
            for (String h = line(in); !h.isEmpty(); h = line(in)) {
                int colon = h.indexOf(':');
                String header = h.substring(0, colon).toLowerCase(Locale.ROOT) + h.substring(colon);
                headers.add(header);
                if (header.startsWith("content-length:")) {
                    length = Integer.parseInt(header.substring("content-length:".length()).strip());
                }
            }
            assertThat(length).as("a Content-Length in " + headers).isNotNegative();
            return new Answer(status, headers, new String(in.readNBytes(length), StandardCharsets.UTF_8));
        }

        JsonNode json() {
            return TestServer.json(body);
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b == -1) {
                    throw new IOException("the connection ended within an answer: " + bytes);
                }
                bytes.write(b);
            }
            return bytes.toString(StandardCharsets.US_ASCII).stripTrailing();
        }
    }
}
