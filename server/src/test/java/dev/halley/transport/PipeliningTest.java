package dev.halley.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halley.broker.RedisBroker;
import dev.halley.edge.HalleyServer;
import dev.halley.edge.ServerOptions;
import dev.halley.testing.RedisProcess;
import dev.halley.testing.SseClient;
import dev.halley.testing.TestServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * HTTP/1.1 pipelining: requests sent in one write, without waiting, are answered in their order
 * even though publishes, {@code /status} and long-polls complete on other loops, or in Redis.
 */
class PipeliningTest {

    private static final String TEXT = "Content-Type: text/plain\r\n";

    /** Publishes, status, a poll answered from the mailbox, a held poll, a batch, a 404, and a closing publish. */
    private static final String REQUESTS = post("/pub/client/alice", "one", TEXT)
            + post("/pub/channel/news", "two", TEXT)
            + "GET /status HTTP/1.1\r\nHost: x\r\n\r\n"
            + "GET /sub/client/alice?timeout=20s HTTP/1.1\r\nHost: x\r\n\r\n"
            + "GET /sub/client/bob?timeout=20s HTTP/1.1\r\nHost: x\r\n\r\n"
            + post("/pub", "[{\"channel\":\"news\",\"data\":\"three\"}]", "Content-Type: application/json\r\n")
            + "GET /no/such/path HTTP/1.1\r\nHost: x\r\n\r\n"
            + post("/pub/channel/last", "four", TEXT + "Connection: close\r\n");

    private record Answer(int status, JsonNode body) {
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderWithTheEmbeddedBroker() throws IOException {
        try (TestServer s = TestServer.start()) {
            checkInOrder(exchange(s.port()));
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderWhenRedisStoresThePublishes() throws Exception {
        try (RedisProcess redis = new RedisProcess()) {
            ServerOptions options = ServerOptions.DEFAULTS.withLoops(2).withPort(0).withBind("127.0.0.1");
            try (HalleyServer server = HalleyServer.start(options, shards -> new RedisBroker(options.broker(), redis.uri()))) {
                checkInOrder(exchange(server.port()));
            }
        }
    }

    @Test
    void aPipelinedRequestWhoseBodyComesInALaterPacketIsAnsweredAfterTheOneBeforeIt() throws Exception {
        try (TestServer s = TestServer.start(); Socket sock = new Socket("127.0.0.1", s.port())) {
            sock.setSoTimeout(10_000);
            sock.setTcpNoDelay(true);
            String second = post("/pub/client/carol", "second", TEXT + "Connection: close\r\n");
            // The second publish's head and part of its body come with the first; its body ends later.
            String first = post("/pub/client/carol", "first", TEXT) + second.substring(0, second.length() - 3);
            sock.getOutputStream().write(first.getBytes(StandardCharsets.US_ASCII));
            Thread.sleep(200);
            sock.getOutputStream().write(second.substring(second.length() - 3).getBytes(StandardCharsets.US_ASCII));
            List<Answer> answers = parse(sock.getInputStream().readAllBytes());
            assertThat(answers).extracting(Answer::status).containsExactly(200, 200);
            JsonNode poll = TestServer.json(s.get("/sub/client/carol?timeout=1s").body());
            assertThat(poll.get("messages")).extracting(m -> m.get("data").asText()).containsExactly("first", "second");
            assertThat(poll.at("/messages/0/id").asText()).isEqualTo(answers.get(0).body().get("id").asText());
            assertThat(poll.at("/messages/1/id").asText()).isEqualTo(answers.get(1).body().get("id").asText());
        }
    }

    /**
     * A batch is stored whole although its own entries put the loop past its fan-out limit; the
     * publish pipelined right behind it, handled before that loop has written anything out, is
     * refused with 503 and not stored, and the next publish after the fan-out is stored again.
     */
    @Test
    void aPublishBehindABatchThatPutItsLoopPastTheFanoutLimitIsRefusedAndNotStored() throws IOException {
        ServerOptions options = ServerOptions.DEFAULTS.withLoops(1).withLimits(Limits.DEFAULTS.withMaxFanoutWaiting(1));
        try (TestServer s = TestServer.start(options); SseClient sub = SseClient.open(s.port(), "/sub/channel/busy")) {
            s.awaitSubscriptions(1);
            String requests = post("/pub", "[{\"channel\":\"busy\",\"data\":\"a\"},{\"channel\":\"busy\",\"data\":\"b\"}]",
                    "Content-Type: application/json\r\n")
                    + post("/pub/channel/busy", "refused", TEXT)
                    + "GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
            List<Answer> answers;
            try (Socket sock = new Socket("127.0.0.1", s.port())) {
                sock.setSoTimeout(10_000);
                sock.setTcpNoDelay(true);
                sock.getOutputStream().write(requests.getBytes(StandardCharsets.US_ASCII));
                answers = parse(sock.getInputStream().readAllBytes());
            }
            assertThat(answers).extracting(Answer::status).containsExactly(200, 503, 200);
            assertThat(answers.get(0).body().get("results")).hasSize(2);
            assertThat(answers.get(1).body().get("error").asText()).startsWith("fan-out behind");
            assertThat(answers.get(2).body().at("/connections/rejected/fanout_behind").asInt()).isEqualTo(1);
            assertThat(answers.get(2).body().at("/messages/published").asInt()).as("the refused publish was not stored").isEqualTo(2);

            assertThat(sub.next(2)).extracting(e -> TestServer.json(e.data()).get("data").asText()).containsExactly("a", "b");
            s.awaitStatus("the fan-out written out", st -> st.at("/messages/deliveriesWaiting").asInt() == 0);
            s.publish("channel/busy", "after");
            assertThat(TestServer.json(sub.next().data()).get("data").asText()).isEqualTo("after");
        }
    }

    private static void checkInOrder(List<Answer> answers) {
        assertThat(answers).extracting(Answer::status).containsExactly(200, 200, 200, 200, 200, 200, 404, 200);
        assertThat(answers.get(0).body().get("client").asText()).isEqualTo("alice");
        assertThat(answers.get(1).body().get("channel").asText()).isEqualTo("news");
        assertThat(answers.get(2).body().at("/messages/published").asInt()).as("status follows both publishes").isEqualTo(2);
        // A poll followed by a request is answered with what it has then: the message, or nothing yet.
        assertThat(answers.get(3).body().has("cursor")).isTrue();
        assertThat(answers.get(3).body().get("messages")).extracting(m -> m.get("data").asText()).isSubsetOf("one");
        assertThat(answers.get(4).body().get("messages")).as("the held poll is ended by the request after it").isEmpty();
        assertThat(answers.get(5).body().at("/results/0/channel").asText()).isEqualTo("news");
        assertThat(answers.get(6).body().get("error").asText()).startsWith("no such path");
        assertThat(answers.get(7).body().get("channel").asText()).isEqualTo("last");
    }

    /** Sends every request in one write and reads until the server closes after the last one's answer. */
    private static List<Answer> exchange(int port) throws IOException {
        try (Socket sock = new Socket("127.0.0.1", port)) {
            sock.setSoTimeout(10_000);
            sock.setTcpNoDelay(true);
            sock.getOutputStream().write(REQUESTS.getBytes(StandardCharsets.US_ASCII));
            return parse(sock.getInputStream().readAllBytes());
        }
    }

    /** A POST of ASCII {@code body} with {@code headers} (each ending in CRLF). */
    private static String post(String path, String body, String headers) {
        return "POST " + path + " HTTP/1.1\r\nHost: x\r\n" + headers + "Content-Length: " + body.length() + "\r\n\r\n" + body;
    }

    /** Splits a stream of HTTP/1.1 answers with Content-Length bodies, each body JSON. */
    private static List<Answer> parse(byte[] bytes) throws IOException {
        InputStream in = new ByteArrayInputStream(bytes);
        List<Answer> answers = new ArrayList<>();
        for (String statusLine = line(in); statusLine != null; statusLine = line(in)) {
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            int length = -1;
            for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
                if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(header.substring("content-length:".length()).strip());
                }
            }
            assertThat(length).as("answer %d has a Content-Length", answers.size() + 1).isNotNegative();
            answers.add(new Answer(status, TestServer.json(new String(in.readNBytes(length), StandardCharsets.UTF_8))));
        }
        return answers;
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int b = in.read(); b != -1; b = in.read()) {
            if (b == '\n') {
                return sb.toString().stripTrailing();
            }
            sb.append((char) b);
        }
        return sb.isEmpty() ? null : sb.toString();
    }
}
