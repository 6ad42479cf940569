package dev.halley.presence;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.halley.auth.Security;
import dev.halley.edge.ServerOptions;
import dev.halley.testing.Eventually;
import dev.halley.testing.SseClient;
import dev.halley.testing.TestServer;
import dev.halley.testing.WsClient;
import dev.halley.transport.Limits;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Presence end to end on one embedded node, over real HTTP, SSE and WebSocket clients. */
class PresenceTest {

    private static final String SECRET = "subscriber-secret-0123456789-abcdefghij";

    @Test
    void aChannelListsItsClientsOnceEachWithTheirConnectionsAndAClientSaysWhetherItIsOnline() throws Exception {
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(2))) {
            long before = System.currentTimeMillis();
            try (SseClient a1 = SseClient.open(s.port(), "/sub/channel/room?id=alice");
                 SseClient a2 = SseClient.open(s.port(), "/sub?channel=room&channel=lobby&id=alice");
                 SseClient b = SseClient.open(s.port(), "/sub/channel/room?id=bob");
                 SseClient anonymous = SseClient.open(s.port(), "/sub/channel/room")) {
                assertThat(List.of(a1, a2, b, anonymous)).extracting(SseClient::status).containsOnly(200);
                s.awaitSubscriptions(5);
                JsonNode room = TestServer.json(s.get("/presence/channel/room").body());
                assertThat(room.get("channel").asText()).isEqualTo("room");
                assertThat(room.get("count").asInt()).as("anonymous subscribers are not present").isEqualTo(2);
                assertThat(room.get("truncated").asBoolean()).isFalse();
                assertThat(room.get("clients")).extracting(c -> c.get("client").asText()).containsExactly("alice", "bob");
                assertThat(room.at("/clients/0/connections").asInt()).isEqualTo(2);
                assertThat(room.at("/clients/0/sinceMillis").asLong()).isBetween(before, System.currentTimeMillis());
                assertThat(Instant.parse(room.at("/clients/0/since").asText()).toEpochMilli())
                        .isEqualTo(room.at("/clients/0/sinceMillis").asLong());

                JsonNode alice = TestServer.json(s.get("/presence/client/alice").body());
                assertThat(alice.get("online").asBoolean()).isTrue();
                assertThat(alice.get("connections").asInt()).as("two connections, three subscriptions").isEqualTo(2);

                JsonNode status = TestServer.json(s.get("/status").body());
                assertThat(status.at("/presence/channels").asInt()).isEqualTo(2);
                assertThat(status.at("/presence/clients").asInt()).isEqualTo(2);
                // The gauges read a snapshot refreshed every second.
                Eventually.await("the presence gauges", () -> s.get("/metrics").body().contains("halley_presence_clients 2.0")
                        && s.get("/metrics").body().contains("halley_presence_channels 2.0"));
            }
            s.awaitStatus("everyone gone", st -> st.at("/presence/clients").asInt() == 0);
            JsonNode gone = TestServer.json(s.get("/presence/client/alice").body());
            assertThat(gone.get("online").asBoolean()).isFalse();
            assertThat(gone.get("since").isNull()).isTrue();
            assertThat(TestServer.json(s.get("/presence/channel/room").body()).get("count").asInt()).isZero();
        }
    }

    @Test
    void pastTheListLimitAChannelIsCountedOnly() {
        ServerOptions options = ServerOptions.DEFAULTS.withLoops(2).withLimits(Limits.DEFAULTS.withPresenceListLimit(1));
        try (TestServer s = TestServer.start(options);
             SseClient a = SseClient.open(s.port(), "/sub/channel/big?id=a");
             SseClient b = SseClient.open(s.port(), "/sub/channel/big?id=b")) {
            assertThat(List.of(a, b)).extracting(SseClient::status).containsOnly(200);
            s.awaitSubscriptions(2);
            JsonNode big = TestServer.json(s.get("/presence/channel/big").body());
            assertThat(big.get("count").asInt()).isEqualTo(2);
            assertThat(big.get("truncated").asBoolean()).isTrue();
            assertThat(big.get("clients")).isEmpty();
        }
    }

    @Test
    void aWatchingSseStreamHearsJoinsAndLeavesWithoutIdsAndItsCursorStaysOnTheMessages() {
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(2));
             SseClient watcher = SseClient.open(s.port(), "/sub/channel/room?id=w&presence=1")) {
            s.awaitSubscriptions(1);
            try (SseClient first = SseClient.open(s.port(), "/sub/channel/room?id=carol")) {
                assertThat(first.status()).isEqualTo(200);
                SseClient.Event join = watcher.next();
                assertThat(join.event()).isEqualTo("join");
                assertThat(join.id()).as("presence events move no cursor").isNull();
                assertThat(TestServer.json(join.data()).get("client").asText()).isEqualTo("carol");
                assertThat(TestServer.json(join.data()).get("channel").asText()).isEqualTo("room");
                try (SseClient second = SseClient.open(s.port(), "/sub/channel/room?id=carol")) {
                    assertThat(second.status()).isEqualTo(200);
                    s.awaitSubscriptions(3);
                }
                assertThat(watcher.quietFor(200)).as("a second connection of a present client is no join, its end no leave").isTrue();
                String id = s.publish("channel/room", "hello");
                assertThat(watcher.next().id()).isEqualTo(id);
            }
            SseClient.Event leave = watcher.next();
            assertThat(leave.event()).isEqualTo("leave");
            assertThat(TestServer.json(leave.data()).get("client").asText()).isEqualTo("carol");
        }
    }

    @Test
    void aWatchingWebSocketGetsPresenceFramesAndAnUnwatchingOneDoesNot() throws Exception {
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(2));
             WsClient watcher = WsClient.open(s.port(), "/sub/channel/room?id=w&presence=1");
             WsClient deaf = WsClient.open(s.port(), "/sub/channel/room?id=d")) {
            s.awaitSubscriptions(2);
            JsonNode ofDeaf = watcher.next();
            assertThat(ofDeaf.get("type").asText()).isEqualTo("presence");
            assertThat(ofDeaf.get("event").asText()).isEqualTo("join");
            assertThat(ofDeaf.get("client").asText()).isEqualTo("d");
            try (SseClient dave = SseClient.open(s.port(), "/sub/channel/room?id=dave")) {
                assertThat(dave.status()).isEqualTo(200);
                JsonNode join = watcher.next();
                assertThat(join.get("event").asText()).isEqualTo("join");
                assertThat(join.get("client").asText()).isEqualTo("dave");
            }
            JsonNode leave = watcher.next();
            assertThat(leave.get("event").asText()).isEqualTo("leave");
            assertThat(leave.get("channel").asText()).isEqualTo("room");
            assertThat(deaf.quietFor(200)).isTrue();
        }
    }

    @Test
    void aWatchingLongPollIsAnsweredByAJoinWithItsCursorUnchangedAndStaysPresentBetweenPolls() throws Exception {
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(2))) {
            String cursor = TestServer.json(s.get("/sub/channel/room?timeout=50ms&id=poller").body()).get("cursor").asText();
            CompletableFuture<HttpResponse<String>> poll = s.http().sendAsync(
                    HttpRequest.newBuilder(s.uri("/sub/channel/room?timeout=20s&id=poller&presence=1&since=" + cursor)).build(),
                    HttpResponse.BodyHandlers.ofString());
            s.awaitSubscriptions(1);
            try (SseClient erin = SseClient.open(s.port(), "/sub/channel/room?id=erin")) {
                assertThat(erin.status()).isEqualTo(200);
                JsonNode body = TestServer.json(poll.get(5, TimeUnit.SECONDS).body());
                assertThat(body.get("messages")).isEmpty();
                assertThat(body.at("/presence/0/event").asText()).isEqualTo("join");
                assertThat(body.at("/presence/0/client").asText()).isEqualTo("erin");
                assertThat(body.get("cursor").asText()).isEqualTo(cursor);
                JsonNode room = TestServer.json(s.get("/presence/channel/room").body());
                assertThat(room.get("clients")).as("the poller lingers between its polls")
                        .extracting(c -> c.get("client").asText()).containsExactly("poller", "erin");
            }
        }
    }

    @Test
    void readingPresenceFollowsTheSubscriberTokenRules() throws Exception {
        ServerOptions options = ServerOptions.DEFAULTS.withLoops(2).withSecurity(new Security(List.of(), SECRET, List.of(), null, null, null));
        try (TestServer s = TestServer.start(options)) {
            String alice = token("alice", List.of("room"));
            expect(s.get("/presence/channel/room"), 401, "needs a token");
            expect(s.get("/presence/channel/other?token=" + alice), 403, "does not cover channel:other");
            expect(s.get("/presence/client/bob?token=" + alice), 403, "does not cover client:bob");
            expect(s.get("/sub/channel/room?timeout=50ms&id=bob&token=" + alice), 403, "for client alice, not bob");
            try (SseClient sse = SseClient.open(s.port(), "/sub/channel/room?token=" + alice)) {
                assertThat(sse.status()).isEqualTo(200);
                s.awaitSubscriptions(1);
                JsonNode room = TestServer.json(s.get("/presence/channel/room?token=" + alice).body());
                assertThat(room.get("clients")).as("the token's sub is the client").extracting(c -> c.get("client").asText())
                        .containsExactly("alice");
                assertThat(TestServer.json(s.get("/presence/client/alice?token=" + alice).body()).get("online").asBoolean()).isTrue();
            }
        }
    }

    @Test
    void badNamesAndFlagsAreRefusedWithTheRule() {
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(2))) {
            expect(s.get("/presence/channel/bad%20name"), 400, "A-Za-z0-9._~-");
            expect(s.get("/presence/channel/"), 400, "A-Za-z0-9._~-");
            expect(s.get("/presence/client/" + "x".repeat(200)), 400, "1-128 characters");
            expect(s.get("/sub/channel/room?timeout=50ms&id=no%20way"), 400, "A-Za-z0-9._~-");
            expect(s.get("/sub/channel/room?timeout=50ms&id=a&presence=yes"), 400, "presence is 1 or 0");
            expect(s.get("/sub/channel/room?timeout=50ms&presence=1"), 400, "needs a client id");
            expect(s.send(HttpRequest.newBuilder(s.uri("/presence/channel/room")).POST(HttpRequest.BodyPublishers.ofString("x")).build()),
                    405, "use GET");
        }
    }

    private static void expect(HttpResponse<String> r, int status, String reasonPart) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(TestServer.json(r.body()).get("error").asText()).contains(reasonPart);
    }

    private static String token(String subject, List<String> channels) throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder().subject(subject).claim("channels", channels)
                .expirationTime(new Date(System.currentTimeMillis() + 60_000)).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }
}
