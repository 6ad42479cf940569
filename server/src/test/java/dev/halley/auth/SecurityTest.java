package dev.halley.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.halley.auth.Security;
import dev.halley.edge.ServerOptions;
import dev.halley.testing.SseClient;
import dev.halley.testing.TestServer;
import dev.halley.testing.WsClient;
import dev.halley.transport.Limits;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class SecurityTest {

    private static final String KEY = "publish-key-0123456789";
    private static final String OTHER_KEY = "another-key-0123456789";
    private static final String SECRET = "subscriber-secret-0123456789-abcdefghij";

    private static Security security(List<String> keys, String secret, List<String> origins, String publishBind) {
        return new Security(keys, secret, origins, null, null, publishBind);
    }

    @Test
    void publishingNeedsAValidKeyComparedWhole() {
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(2).withSecurity(security(List.of(KEY, OTHER_KEY), null, List.of(), null)))) {
            assertThat(publish(s, null).statusCode()).isEqualTo(401);
            assertThat(publish(s, "Basic " + KEY).statusCode()).isEqualTo(401);
            assertThat(publish(s, "Bearer " + KEY.substring(0, KEY.length() - 1)).statusCode()).isEqualTo(403);
            assertThat(publish(s, "Bearer " + KEY + "x").statusCode()).isEqualTo(403);
            assertThat(publish(s, "Bearer " + KEY).statusCode()).isEqualTo(200);
            assertThat(publish(s, "bearer " + OTHER_KEY).statusCode()).isEqualTo(200);
            assertThat(TestServer.json(s.get("/status").body()).at("/messages/published").asInt()).isEqualTo(2);
            assertThat(TestServer.json(s.get("/status").body()).at("/connections/rejected/unauthorized").asInt()).isEqualTo(4);
        }
    }

    @Test
    void eachKeyHasItsOwnPublishRate() {
        ServerOptions options = ServerOptions.DEFAULTS.withLoops(2)
                .withLimits(Limits.DEFAULTS.withPublishRate(5))
                .withSecurity(security(List.of(KEY, OTHER_KEY), null, List.of(), null));
        try (TestServer s = TestServer.start(options)) {
            int accepted = 0;
            int limited = 0;
            for (int i = 0; i < 20; i++) {
                int status = publish(s, "Bearer " + KEY).statusCode();
                accepted += status == 200 ? 1 : 0;
                limited += status == 429 ? 1 : 0;
            }
            assertThat(accepted + limited).isEqualTo(20);
            assertThat(accepted).as("a burst of one second's worth, plus what refills meanwhile").isBetween(5, 10);
            assertThat(publish(s, "Bearer " + OTHER_KEY).statusCode()).as("the other key has its own bucket").isEqualTo(200);
            assertThat(TestServer.json(s.get("/status").body()).at("/connections/rejected/rate_limited").asInt()).isEqualTo(limited);
        }
    }

    @Test
    void aSeparatePublishAddressTakesPublishingOffThePublicPort() {
        ServerOptions options = ServerOptions.DEFAULTS.withLoops(2).withSecurity(security(List.of(), null, List.of(), "127.0.0.1:0"));
        try (TestServer s = TestServer.start(options)) {
            int publishPort = s.server().publishPort();
            assertThat(publishPort).isPositive().isNotEqualTo(s.port());
            HttpResponse<String> onPublic = s.post("/pub/client/a", "x", "text/plain");
            assertThat(onPublic.statusCode()).isEqualTo(403);
            assertThat(onPublic.body()).contains("publish address");

            HttpResponse<String> onPrivate = s.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + publishPort + "/pub/client/a"))
                    .POST(HttpRequest.BodyPublishers.ofString("hello")).build());
            assertThat(onPrivate.statusCode()).isEqualTo(200);
            HttpResponse<String> subscribeOnPrivate = s.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + publishPort + "/sub/client/a?timeout=1s")).build());
            assertThat(subscribeOnPrivate.statusCode()).isEqualTo(404);
            assertThat(TestServer.json(s.get("/sub/client/a?timeout=1s").body()).at("/messages/0/data").asText()).isEqualTo("hello");
        }
    }

    @Test
    void subscribingNeedsATokenThatCoversEveryTopicAsked() throws Exception {
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(2).withSecurity(security(List.of(), SECRET, List.of(), null)))) {
            String alice = token(SECRET, "alice", List.of("news"), 60_000);
            expect(s.get("/sub/client/alice?timeout=50ms"), 401, "needs a token");
            expect(s.get("/sub/client/alice?timeout=50ms&token=not.a.jwt"), 401, "not a valid JWT");
            expect(s.get("/sub/client/alice?timeout=50ms&token=" + token("wrong-secret-0123456789-abcdefghijklmn", "alice", List.of(), 60_000)),
                    401, "signature");
            expect(s.get("/sub/client/alice?timeout=50ms&token=" + token(SECRET, "alice", List.of(), -1000)), 401, "expired");
            expect(s.get("/sub/client/bob?timeout=50ms&token=" + alice), 403, "does not cover client:bob");
            expect(s.get("/sub/channel/sport?timeout=50ms&token=" + alice), 403, "does not cover channel:sport");
            expect(s.get("/bob.js?timeout=50ms&token=" + alice), 403, "does not cover client:bob");
            assertThat(s.get("/sub/client/alice?timeout=50ms&token=" + alice).statusCode()).isEqualTo(200);
            assertThat(s.send(HttpRequest.newBuilder(s.uri("/sub/channel/news?timeout=50ms"))
                    .header("Authorization", "Bearer " + alice).build()).statusCode()).isEqualTo(200);

            try (SseClient denied = SseClient.open(s.port(), "/sub?client=alice&channel=sport&token=" + alice)) {
                assertThat(denied.status()).isEqualTo(403);
            }
            try (WsClient ws = WsClient.open(s.port(), "/sub/client/alice?token=" + alice)) {
                ws.send("{\"op\":\"subscribe\",\"client\":\"bob\"}");
                assertThat(ws.next().get("reason").asText()).contains("does not cover client:bob");
                ws.send("{\"op\":\"subscribe\",\"channel\":\"news\"}");
                s.awaitSubscriptions(2);
                s.publish("channel/news", "allowed");
                assertThat(ws.next().get("data").asText()).isEqualTo("allowed");
            }
        }
    }

    @Test
    void withoutAValidTokenASubscriptionIsRefused401BeforeAnythingElseInItIsRead() throws Exception {
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(2).withSecurity(security(List.of(), SECRET, List.of(), null)))) {
            String expired = token(SECRET, "alice", List.of("*"), -1000);
            // Each of these is wrong in a second way (timeout, name, cursor, callback, method, shape)
            // that would be a 400 or 405 with a token: without one, only the 401 is told.
            for (String unauthenticated : List.of("/sub/client/x?timeout=1", "/sub/client/bad%20name", "/sub/client/x?since=nodash",
                    "/sub?channel=a&channel=b", "/sub", "/bad%20name.js", "/x.js?callback=1bad", "/x.js?timeout=99h",
                    "/sub/client/x?timeout=1&token=not.a.jwt", "/sub/client/x?timeout=1&token=" + expired)) {
                expect(s.get(unauthenticated), 401, "token");
            }
            expect(s.send(HttpRequest.newBuilder(s.uri("/sub/client/x")).POST(HttpRequest.BodyPublishers.ofString("m")).build()),
                    401, "token");
            assertThat(catchStatus(() -> HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + s.port() + "/sub/client/bad%20name?since=nodash"),
                            new java.net.http.WebSocket.Listener() { }).join()))
                    .isEqualTo("refused 401");

            String alice = token(SECRET, "alice", List.of(), 60_000);
            expect(s.get("/sub/client/alice?timeout=1&token=" + alice), 400, "a duration");
            expect(s.get("/sub/client/bob?timeout=1&token=" + alice), 400, "a duration");
            expect(s.get("/sub/client/bob?token=" + alice), 403, "does not cover client:bob");
            expect(s.send(HttpRequest.newBuilder(s.uri("/sub/client/alice?token=" + alice)).POST(HttpRequest.BodyPublishers.ofString("m"))
                    .build()), 405, "GET");
        }
    }

    @Test
    void crossOriginAccessIsGrantedOnlyToListedOriginsAndWebSocketsChecked() {
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(2)
                .withSecurity(security(List.of(), null, List.of("https://app.example"), null)))) {
            HttpResponse<String> preflight = s.send(HttpRequest.newBuilder(s.uri("/pub/client/a"))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                    .header("Origin", "https://app.example").header("Access-Control-Request-Method", "POST").build());
            assertThat(preflight.statusCode()).isEqualTo(204);
            assertThat(preflight.headers().firstValue("access-control-allow-origin")).hasValue("https://app.example");
            assertThat(preflight.headers().firstValue("access-control-allow-headers").orElse("")).contains("Authorization");

            HttpResponse<String> evilPreflight = s.send(HttpRequest.newBuilder(s.uri("/pub/client/a"))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                    .header("Origin", "https://evil.example").header("Access-Control-Request-Method", "POST").build());
            assertThat(evilPreflight.statusCode()).isEqualTo(403);

            HttpResponse<String> get = s.send(HttpRequest.newBuilder(s.uri("/status")).header("Origin", "https://app.example").build());
            assertThat(get.headers().firstValue("access-control-allow-origin")).hasValue("https://app.example");
            HttpResponse<String> evilGet = s.send(HttpRequest.newBuilder(s.uri("/status")).header("Origin", "https://evil.example").build());
            assertThat(evilGet.headers().firstValue("access-control-allow-origin")).isEmpty();

            HttpClient http = HttpClient.newHttpClient();
            assertThat(catchStatus(() -> http.newWebSocketBuilder().header("Origin", "https://evil.example")
                    .buildAsync(URI.create("ws://127.0.0.1:" + s.port() + "/sub/channel/x"), new java.net.http.WebSocket.Listener() { }).join()))
                    .isEqualTo("refused 403");
            http.newWebSocketBuilder().header("Origin", "https://app.example")
                    .buildAsync(URI.create("ws://127.0.0.1:" + s.port() + "/sub/channel/x"), new java.net.http.WebSocket.Listener() { })
                    .join().abort();
            http.newWebSocketBuilder().header("Origin", "http://127.0.0.1:" + s.port())
                    .buildAsync(URI.create("ws://127.0.0.1:" + s.port() + "/sub/channel/x"), new java.net.http.WebSocket.Listener() { })
                    .join().abort();
        }
    }

    static String token(String secret, String subject, List<String> channels, long validForMillis) throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder().subject(subject).claim("channels", channels)
                .expirationTime(new Date(System.currentTimeMillis() + validForMillis)).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }

    private static HttpResponse<String> publish(TestServer s, String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(s.uri("/pub/client/a")).POST(HttpRequest.BodyPublishers.ofString("m"));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return s.send(b.build());
    }

    private static void expect(HttpResponse<String> r, int status, String reasonPart) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(TestServer.json(r.body()).get("error").asText()).contains(reasonPart);
    }

    private static String catchStatus(Runnable r) {
        try {
            r.run();
            return "connected";
        } catch (CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException h) {
                return "refused " + h.getResponse().statusCode();
            }
            return String.valueOf(e.getCause());
        }
    }
}
