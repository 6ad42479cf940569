package dev.halley.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halley.auth.Security;
import dev.halley.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsTest {

    @Test
    void httpsAndWssServeWithTheGivenCertificateAndPlainHttpIsNotAnswered(@TempDir Path dir) throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", key.toString(), "-out", cert.toString()).redirectErrorStream(true).start();
        String output = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(openssl.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(openssl.exitValue()).as("openssl (install it: apt-get install openssl): " + output).isZero();

        Security tls = new Security(List.of(), null, List.of(), cert, key, null);
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(2).withSecurity(tls))) {
            HttpClient https = HttpClient.newBuilder().sslContext(trusting(cert)).build();
            String base = "https://127.0.0.1:" + s.port();
            HttpResponse<String> published = https.send(HttpRequest.newBuilder(URI.create(base + "/pub/client/sec"))
                    .POST(HttpRequest.BodyPublishers.ofString("over tls")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(published.statusCode()).isEqualTo(200);
            JsonNode polled = TestServer.json(https.send(HttpRequest.newBuilder(URI.create(base + "/sub/client/sec?timeout=1s")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertThat(polled.at("/messages/0/data").asText()).isEqualTo("over tls");

            // An SSE stream behind TLS stays on its Netty channel: only the TLS handler can write its bytes.
            HttpRequest subscribe = HttpRequest.newBuilder(URI.create(base + "/sub/channel/secure-sse"))
                    .header("Accept", "text/event-stream").build();
            try (Stream<String> sse = https.send(subscribe, HttpResponse.BodyHandlers.ofLines()).body()) {
                Iterator<String> lines = sse.iterator();
                assertThat(within10s(lines::next)).isEqualTo(":ok");
                for (int i = 0; i < 500 && status(https, base).get("subscriptions").asInt() < 1; i++) {
                    Thread.sleep(10);
                }
                https.send(HttpRequest.newBuilder(URI.create(base + "/pub/channel/secure-sse"))
                        .POST(HttpRequest.BodyPublishers.ofString("sse over tls")).build(), HttpResponse.BodyHandlers.ofString());
                String data = within10s(() -> {
                    String line = lines.next();
                    while (!line.startsWith("data:")) {
                        line = lines.next();
                    }
                    return line;
                });
                assertThat(data).contains("sse over tls");
                assertThat(status(https, base).at("/connections/held").asInt()).isZero();
            }

            CompletableFuture<String> frame = new CompletableFuture<>();
            WebSocket ws = https.newWebSocketBuilder().buildAsync(URI.create("wss://127.0.0.1:" + s.port() + "/sub/channel/secure"),
                    new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                            frame.complete(data.toString());
                            return null;
                        }
                    }).join();
            for (int i = 0; i < 500 && TestServer.json(https.send(HttpRequest.newBuilder(URI.create(base + "/status")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).get("subscriptions").asInt() < 1; i++) {
                Thread.sleep(10);
            }
            https.send(HttpRequest.newBuilder(URI.create(base + "/pub/channel/secure"))
                    .POST(HttpRequest.BodyPublishers.ofString("wss works")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(TestServer.json(frame.get(10, TimeUnit.SECONDS)).get("data").asText()).isEqualTo("wss works");
            ws.abort();

            try (Socket plain = new Socket("127.0.0.1", s.port())) {
                plain.setSoTimeout(5000);
                plain.getOutputStream().write("GET /status HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                InputStream in = plain.getInputStream();
                byte[] got = readUpTo(in, 12);
                assertThat(new String(got, StandardCharsets.ISO_8859_1)).doesNotStartWith("HTTP/1.1 200");
            }
        }
    }

    /** Bytes that are not TLS would leave the client waiting: bound each read. */
    private static String within10s(Supplier<String> read) throws Exception {
        return CompletableFuture.supplyAsync(read).get(10, TimeUnit.SECONDS);
    }

    private static JsonNode status(HttpClient https, String base) throws IOException, InterruptedException {
        return TestServer.json(https.send(HttpRequest.newBuilder(URI.create(base + "/status")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    private static byte[] readUpTo(InputStream in, int n) {
        try {
            return in.readNBytes(n);
        } catch (IOException reset) {
            return new byte[0];
        }
    }

    private static SSLContext trusting(Path certPem) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(certPem)) {
            trust.setCertificateEntry("halley", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }
}
