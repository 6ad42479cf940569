package dev.halley.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halley.edge.ServerOptions;
import dev.halley.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PublishAndLimitsTest {

    @Test
    void aBatchIsStoredWholeAndAnsweredInOrder() {
        try (TestServer s = TestServer.start()) {
            HttpResponse<String> r = s.post("/pub",
                    "[{\"client\":\"a\",\"data\":\"text\"},{\"channel\":\"c\",\"data\":{\"k\":[1,true,null]}},{\"client\":\"a\",\"data\":2}]",
                    "application/json");
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode results = TestServer.json(r.body()).get("results");
            assertThat(results).hasSize(3);
            assertThat(results.get(0).get("client").asText()).isEqualTo("a");
            assertThat(results.get(1).get("channel").asText()).isEqualTo("c");

            JsonNode polled = TestServer.json(s.get("/sub/client/a?timeout=1s").body());
            assertThat(polled.get("messages")).extracting(m -> m.get("data").toString()).containsExactly("\"text\"", "2");
            assertThat(polled.at("/messages/0/id").asText()).isEqualTo(results.get(0).get("id").asText());
        }
    }

    @Test
    void aBatchWithOneBadEntryIsRefusedWholeAndStoresNothing() {
        try (TestServer s = TestServer.start()) {
            HttpResponse<String> r = s.post("/pub", "[{\"client\":\"a\",\"data\":1},{\"client\":\"bad name\",\"data\":2}]", "application/json");
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(TestServer.json(r.body()).get("error").asText()).startsWith("entry 1:");
            assertThat(TestServer.json(s.get("/sub/client/a?timeout=50ms").body()).get("messages")).isEmpty();
        }
    }

    @Test
    void badInputGetsAClearStatusAndReason() {
        try (TestServer s = TestServer.start()) {
            expect(s.post("/pub/client/a", "{not json", "application/json"), 400, "not valid JSON");
            expect(s.post("/pub/client/a", "{} {}", "application/json"), 400, "not valid JSON");
            expect(s.post("/pub/client/a", "", "application/json"), 400, "empty");
            expect(s.post("/pub", "{}", "application/json"), 400, "non-empty JSON array");
            expect(s.post("/pub", "[]", "application/json"), 400, "non-empty JSON array");
            expect(s.post("/pub", "[{\"client\":\"a\",\"channel\":\"b\",\"data\":1}]", "application/json"), 400, "exactly one");
            expect(s.post("/pub", "[{\"client\":\"a\"}]", "application/json"), 400, "data is missing");
            expect(s.post("/pub/client/" + "x".repeat(129), "hi", "text/plain"), 400, "1-128 characters");
            expect(s.post("/pub/client/a%2Fb", "hi", "text/plain"), 400, "1-128 characters");
            expect(s.post("/pub/topic/a", "hi", "text/plain"), 400, "publish at");
            expect(s.get("/pub/client/a"), 405, "use POST");
            expect(s.post("/sub/client/a", "x", "text/plain"), 405, "use GET");
            expect(s.get("/nowhere"), 404, "no such path");
            expect(s.get("/sub/client/a?since=garbage"), 400, "<epoch>-<seq>");
            expect(s.get("/sub/client/a?timeout=forever"), 400, "a duration");
            expect(s.get("/sub/client/a?timeout=3h"), 400, "at most 2m");
            expect(s.get("/sub?client=a&channel=b"), 400, "exactly one");
            expect(s.get("/sub"), 400, "at least one");
            expect(s.get("/sub?client=a&channel=b&since=channel:zz=e-1"), 400, "does not subscribe");

            HttpResponse<String> notUtf8 = s.send(HttpRequest.newBuilder(s.uri("/pub/client/a"))
                    .header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {(byte) 0xC3, (byte) 0x28})).build());
            expect(notUtf8, 400, "UTF-8");
            assertThat(TestServer.json(s.get("/status").body()).at("/messages/published").asInt()).as("nothing bad was stored").isZero();
        }
    }

    @Test
    void sizeLimitsAnswer413And414And431() throws IOException {
        Limits small = Limits.DEFAULTS.withSizes(16, 1024, 1024, 256).withStreams(2, 1024 * 1024);
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(2).withLimits(small))) {
            assertThat(s.post("/pub/client/a", "x".repeat(1025), "text/plain").statusCode()).isEqualTo(413);
            assertThat(s.post("/pub/client/a", "x".repeat(1024), "text/plain").statusCode()).isEqualTo(200);
            assertThat(rawStatus(s.port(), "GET /sub/client/" + "a".repeat(300) + " HTTP/1.1\r\nHost: x\r\n\r\n")).isEqualTo(414);
            assertThat(rawStatus(s.port(), "GET /status HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(2000) + "\r\n\r\n")).isEqualTo(431);
            expect(s.get("/sub/client/" + "n".repeat(17)), 400, "1-16 characters");
            expect(s.get("/sub?client=a&channel=b&channel=c"), 400, "at most 2 subscriptions");
            assertThat(s.get("/status").statusCode()).as("still serving").isEqualTo(200);
        }
    }

    @Test
    void connectionsPastTheMaximumGet503AndTheOthersKeepWorking() throws IOException {
        Limits two = Limits.DEFAULTS.withMaxConnections(2, 2);
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(2).withLimits(two));
             Socket first = new Socket("127.0.0.1", s.port());
             Socket second = new Socket("127.0.0.1", s.port())) {
            // An answered request proves the server counted the connection: the loops accept independently.
            assertThat(exchange(first)).isEqualTo(200);
            assertThat(exchange(second)).isEqualTo(200);
            assertThat(rawStatus(s.port(), "GET /status HTTP/1.1\r\nHost: x\r\n\r\n")).isEqualTo(503);
            assertThat(exchange(first)).as("kept alive and still served").isEqualTo(200);
        }
    }

    /** Sends GET /status on a kept-alive connection and reads the whole answer; returns its status. */
    private static int exchange(Socket socket) throws IOException {
        socket.setSoTimeout(5000);
        socket.getOutputStream().write("GET /status HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        InputStream in = socket.getInputStream();
        int status = statusOf(in);
        int length = 0;
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        in.readNBytes(length);
        return status;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    private static void expect(HttpResponse<String> r, int status, String reasonPart) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(TestServer.json(r.body()).get("error").asText()).contains(reasonPart);
    }

    private static int rawStatus(int port, String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return statusOf(s.getInputStream());
        }
    }

    private static int statusOf(InputStream in) throws IOException {
        return Integer.parseInt(readLine(in).split(" ")[1]);
    }
}
