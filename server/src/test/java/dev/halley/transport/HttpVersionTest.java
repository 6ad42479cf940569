package dev.halley.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halley.testing.TestServer;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Only HTTP/1 is spoken on a listener's HTTP/1 framing: any other version in a request line is
 * answered 505 and the connection closed, whatever the path, method or headers.
 */
class HttpVersionTest {

    @Test
    void aRequestLineOfAnotherMajorVersionGets505AndACloseOnEveryPath() throws IOException {
        List<String> requests = List.of(
                "GET / HTTP/9.9\r\nHost: x\r\n\r\n",
                "GET /status HTTP/2.0\r\nHost: x\r\n\r\n",
                "GET /metrics HTTP/3.0\r\nHost: x\r\n\r\n",
                "GET /sub/client/a?timeout=1s HTTP/2.0\r\nHost: x\r\n\r\n",
                "GET /a.js HTTP/0.9\r\nHost: x\r\n\r\n",
                "GET /no/such/path HTTP/2.0\r\nHost: x\r\n\r\n",
                "POST /pub/client/v HTTP/2.0\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
                "OPTIONS /pub/client/v HTTP/2.0\r\nHost: x\r\nOrigin: http://x\r\nAccess-Control-Request-Method: POST\r\n\r\n",
                "GET /sub/channel/x HTTP/2.0\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        try (TestServer s = TestServer.start()) {
            for (String request : requests) {
                String answer = exchangeUntilClosed(s.port(), request);
                assertThat(answer).as(request).startsWith("HTTP/1.1 505 HTTP Version Not Supported\r\n").contains("connection: close");
                assertThat(answer).as(request).contains("{\"error\":\"only HTTP/1.0 and HTTP/1.1 are served, got HTTP/");
            }
            assertThat(TestServer.json(s.get("/status").body()).at("/messages/published").asInt()).as("nothing was published").isZero();
        }
    }

    @Test
    void http10AndHttp11AreServedAndALaterMinorVersionOf1IsReadAs11() throws IOException {
        try (TestServer s = TestServer.start()) {
            assertThat(exchangeUntilClosed(s.port(), "GET /status HTTP/1.0\r\n\r\n")).startsWith("HTTP/1.1 200 OK\r\n");
            assertThat(exchangeUntilClosed(s.port(), "GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
                    .startsWith("HTTP/1.1 200 OK\r\n");
            assertThat(exchangeUntilClosed(s.port(), "GET /status HTTP/1.2\r\nHost: x\r\nConnection: close\r\n\r\n"))
                    .startsWith("HTTP/1.1 200 OK\r\n");
        }
    }

    /** Sends {@code request} and reads until the server closes; a server that keeps it open fails after 10 s. */
    private static String exchangeUntilClosed(int port, String request) throws IOException {
        try (Socket sock = new Socket("127.0.0.1", port)) {
            sock.setSoTimeout(10_000);
            sock.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(sock.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
