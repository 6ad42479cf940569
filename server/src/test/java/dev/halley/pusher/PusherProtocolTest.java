package dev.halley.pusher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halley.broker.BrokerOptions;
import dev.halley.broker.LocalBroker;
import dev.halley.edge.HalleyServer;
import dev.halley.edge.ServerOptions;
import dev.halley.testing.TestServer;
import dev.halley.testing.WsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Pusher protocol's refusals, frame by frame with a plain WebSocket client: each bad input
 * gets its code, nothing is delivered, and the connection survives when the refusal is not about it.
 */
class PusherProtocolTest {

    private static final PusherApp APP = PusherClientsTest.APP;
    /** Client events off. */
    private static final PusherApp QUIET = new PusherApp("2001", "quiet-key", "quiet-secret-0123456789", false, 64, 10, null);
    private static final PusherApp TINY = new PusherApp("2002", "tiny-key", "tiny-secret-0123456789", true, 64, 1, null);

    private HalleyServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    private void start(Duration activityTimeout) throws InterruptedException {
        PusherApps apps = new PusherApps(List.of(APP, QUIET, TINY));
        Function<dev.halley.hub.Hub, PusherGateway> gateway = hub -> new PusherGateway(hub, apps, Clock.systemUTC(), activityTimeout);
        server = HalleyServer.start(ServerOptions.DEFAULTS.withPort(0).withBind("127.0.0.1").withLoops(2),
                shards -> new LocalBroker(shards, BrokerOptions.DEFAULTS, Clock.systemUTC()), gateway);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private WsClient connect(PusherApp app) {
        WsClient ws = WsClient.open(server.port(), "/app/" + app.key() + "?protocol=7&client=java&version=1");
        JsonNode established = ws.next();
        assertThat(established.get("event").asText()).isEqualTo("pusher:connection_established");
        return ws;
    }

    private static String socketIdOf(JsonNode established) {
        return TestServer.json(established.get("data").asText()).get("socket_id").asText();
    }

    @Test
    void connectionEstablishedCarriesSocketIdAndActivityTimeoutAndStatusCountsIt() throws Exception {
        start(PusherGateway.DEFAULT_ACTIVITY_TIMEOUT);
        try (WsClient ws = WsClient.open(server.port(), "/app/" + APP.key() + "?protocol=7")) {
            JsonNode data = TestServer.json(ws.next().get("data").asText());
            assertThat(data.get("socket_id").asText()).matches("\\d+\\.\\d+");
            assertThat(data.get("activity_timeout").asInt()).isEqualTo(120);
            ws.send("{\"event\":\"pusher:ping\",\"data\":{}}");
            assertThat(ws.next().get("event").asText()).isEqualTo("pusher:pong");
            ws.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"counted\"}}");
            assertThat(ws.next().get("event").asText()).isEqualTo("pusher_internal:subscription_succeeded");
            JsonNode status = TestServer.json(http.send(HttpRequest.newBuilder(uri("/status")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).path("pusher").path(APP.id());
            assertThat(status.path("connections").asInt()).isEqualTo(1);
            assertThat(status.path("channels").asInt()).isEqualTo(1);
        }
    }

    @Test
    void unknownKeyMissingAndUnsupportedProtocolAreClosedWithTheirCodes() throws Exception {
        start(PusherGateway.DEFAULT_ACTIVITY_TIMEOUT);
        try (WsClient ws = WsClient.open(server.port(), "/app/nope?protocol=7")) {
            JsonNode error = ws.next();
            assertThat(error.get("event").asText()).isEqualTo("pusher:error");
            assertThat(error.get("data").get("code").asInt()).isEqualTo(4001);
            assertThat(ws.closeCode()).isEqualTo(4001);
        }
        try (WsClient ws = WsClient.open(server.port(), "/app/" + APP.key())) {
            assertThat(ws.next().get("data").get("code").asInt()).isEqualTo(4008);
            assertThat(ws.closeCode()).isEqualTo(4008);
        }
        try (WsClient ws = WsClient.open(server.port(), "/app/" + APP.key() + "?protocol=3")) {
            assertThat(ws.next().get("data").get("code").asInt()).isEqualTo(4007);
            assertThat(ws.closeCode()).isEqualTo(4007);
        }
    }

    @Test
    void anAppPastItsConnectionsIsOverCapacity() throws Exception {
        start(PusherGateway.DEFAULT_ACTIVITY_TIMEOUT);
        try (WsClient first = connect(TINY); WsClient second = WsClient.open(server.port(), "/app/" + TINY.key() + "?protocol=7")) {
            assertThat(second.next().get("data").get("code").asInt()).isEqualTo(4100);
            assertThat(second.closeCode()).isEqualTo(4100);
            first.send("{\"event\":\"pusher:ping\"}");
            assertThat(first.next().get("event").asText()).isEqualTo("pusher:pong");
        }
    }

    @Test
    void signedChannelsRefuseMissingOrWrongAuthAndPresenceWithoutChannelData() throws Exception {
        start(PusherGateway.DEFAULT_ACTIVITY_TIMEOUT);
        try (WsClient ws = WsClient.open(server.port(), "/app/" + APP.key() + "?protocol=7")) {
            String socketId = socketIdOf(ws.next());
            ws.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"private-a\"}}");
            assertRefused(ws, "private-a", 401);
            ws.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"private-a\",\"auth\":\"" + APP.key() + ":"
                    + Signatures.hmacSha256Hex("wrong-secret-0123456789", socketId + ":private-a") + "\"}}");
            assertRefused(ws, "private-a", 401);
            String auth = APP.key() + ":" + Signatures.hmacSha256Hex(APP.secret(), socketId + ":presence-p");
            ws.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"presence-p\",\"auth\":\"" + auth + "\"}}");
            assertRefused(ws, "presence-p", 400);
            ws.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"private-a\",\"auth\":\"" + APP.key() + ":"
                    + Signatures.hmacSha256Hex(APP.secret(), socketId + ":private-a") + "\"}}");
            JsonNode ok = ws.next();
            assertThat(ok.get("event").asText()).isEqualTo("pusher_internal:subscription_succeeded");
            assertThat(ok.get("channel").asText()).isEqualTo("private-a");
        }
    }

    private static void assertRefused(WsClient ws, String channel, int status) {
        JsonNode refusal = ws.next();
        assertThat(refusal.get("event").asText()).isEqualTo("pusher:subscription_error");
        assertThat(refusal.get("channel").asText()).isEqualTo(channel);
        assertThat(refusal.get("data").get("status").asInt()).isEqualTo(status);
        JsonNode error = ws.next();
        assertThat(error.get("event").asText()).isEqualTo("pusher:error");
        assertThat(error.get("data").get("code").asInt()).isEqualTo(4009);
    }

    @Test
    void clientEventsAreRefusedWhenTheAppDisablesThemOrTheyAreTooLarge() throws Exception {
        start(PusherGateway.DEFAULT_ACTIVITY_TIMEOUT);
        try (WsClient quiet = WsClient.open(server.port(), "/app/" + QUIET.key() + "?protocol=7");
             WsClient tiny = WsClient.open(server.port(), "/app/" + TINY.key() + "?protocol=7")) {
            subscribePrivate(quiet, QUIET, "private-q");
            quiet.send("{\"event\":\"client-x\",\"channel\":\"private-q\",\"data\":{}}");
            JsonNode error = quiet.next();
            assertThat(error.get("data").get("code").asInt()).isEqualTo(4009);
            assertThat(error.get("data").get("message").asText()).contains("not enabled");
            subscribePrivate(tiny, TINY, "private-t");
            tiny.send("{\"event\":\"client-x\",\"channel\":\"private-t\",\"data\":\"" + "z".repeat(100) + "\"}");
            JsonNode tooLarge = tiny.next();
            assertThat(tooLarge.get("data").get("code").asInt()).isEqualTo(4200);
            assertThat(tooLarge.get("data").get("message").asText()).contains("larger than 64 bytes");
        }
    }

    private static void subscribePrivate(WsClient ws, PusherApp app, String channel) {
        String socketId = socketIdOf(ws.next());
        ws.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"" + channel + "\",\"auth\":\"" + app.key() + ":"
                + Signatures.hmacSha256Hex(app.secret(), socketId + ":" + channel) + "\"}}");
        assertThat(ws.next().get("event").asText()).isEqualTo("pusher_internal:subscription_succeeded");
    }

    @Test
    void framesOutsideTheProtocolAreReportedAndTheConnectionStays() throws Exception {
        start(PusherGateway.DEFAULT_ACTIVITY_TIMEOUT);
        try (WsClient ws = connect(APP)) {
            for (String bad : List.of("not json", "[1,2]", "{\"event\":\"pusher:nonsense\"}", "{\"event\":\"pusher:subscribe\",\"data\":{}}",
                    "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"has space\"}}")) {
                ws.send(bad);
                JsonNode error = ws.next();
                assertThat(error.get("event").asText()).as(bad).isEqualTo("pusher:error");
                assertThat(error.get("data").get("code").asInt()).as(bad).isEqualTo(4200);
            }
            ws.send("{\"event\":\"pusher:ping\",\"data\":{}}");
            assertThat(ws.next().get("event").asText()).isEqualTo("pusher:pong");
        }
    }

    @Test
    void theServerPingsAQuietClientAndClosesOneThatNeverAnswers() throws Exception {
        start(Duration.ofSeconds(1));
        try (WsClient answering = connect(APP); WsClient silent = connect(APP)) {
            assertThat(answering.next().get("event").asText()).isEqualTo("pusher:ping");
            answering.send("{\"event\":\"pusher:pong\",\"data\":{}}");
            assertThat(silent.next().get("event").asText()).isEqualTo("pusher:ping");
            assertThat(silent.closeCode()).isEqualTo(4201);
            assertThat(answering.next().get("event").asText()).isEqualTo("pusher:ping");
        }
    }

    @Test
    void aDrainingNodeClosesPusherSocketsWith4200SoThatPusherJsReconnectsElsewhere() throws Exception {
        start(PusherGateway.DEFAULT_ACTIVITY_TIMEOUT);
        try (WsClient ws = connect(APP)) {
            server.drain(Duration.ofSeconds(5));
            assertThat(ws.closeCode()).isEqualTo(4200);
        }
    }

    @Test
    void pusherChannelsAndHalleyChannelsNeverMeet() throws Exception {
        start(PusherGateway.DEFAULT_ACTIVITY_TIMEOUT);
        try (WsClient pusher = connect(APP); WsClient halley = WsClient.open(server.port(), "/sub/channel/iso")) {
            pusher.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"iso\"}}");
            assertThat(pusher.next().get("event").asText()).isEqualTo("pusher_internal:subscription_succeeded");
            HttpResponse<String> halleyPublish = http.send(HttpRequest.newBuilder(uri("/pub/channel/iso"))
                    .POST(HttpRequest.BodyPublishers.ofString("halley")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(halleyPublish.statusCode()).isEqualTo(200);
            assertThat(halley.next().get("data").asText()).isEqualTo("halley");
            assertThat(signedPost(APP, "/apps/" + APP.id() + "/events", "{\"name\":\"e\",\"channel\":\"iso\",\"data\":\"pusher\"}",
                    System.currentTimeMillis() / 1000).statusCode()).isEqualTo(200);
            JsonNode event = pusher.next();
            assertThat(event.get("event").asText()).isEqualTo("e");
            assertThat(event.get("data").asText()).isEqualTo("pusher");
            assertThat(halley.quietFor(300)).isTrue();
            assertThat(pusher.quietFor(300)).isTrue();
        }
    }

    @Test
    void theHttpApiRefusesBadRequestsWithTheirStatus() throws Exception {
        start(PusherGateway.DEFAULT_ACTIVITY_TIMEOUT);
        long now = System.currentTimeMillis() / 1000;
        String path = "/apps/" + APP.id() + "/events";
        String good = "{\"name\":\"e\",\"channel\":\"c\",\"data\":\"x\"}";
        assertThat(signedPost(APP, path, good, now).statusCode()).isEqualTo(200);
        assertThat(signedPost(APP, path, good, now - 601).statusCode()).isEqualTo(401);
        assertThat(signedPost(QUIET, path, good, now).statusCode()).isEqualTo(401);
        assertThat(signedPost(APP, "/apps/9999/events", good, now).statusCode()).isEqualTo(404);
        assertThat(signedPost(APP, path, "{\"name\":\"e\",\"channel\":\"bad name\",\"data\":\"x\"}", now).statusCode()).isEqualTo(400);
        assertThat(signedPost(APP, path, "{\"name\":\"e\",\"channel\":\"c\",\"data\":{\"not\":\"a string\"}}", now).statusCode())
                .isEqualTo(400);
        assertThat(signedPost(APP, path, "{\"name\":\"e\",\"channel\":\"c\",\"data\":\"x\",\"socket_id\":\"abc\"}", now).statusCode())
                .isEqualTo(400);
        String tooLarge = "{\"name\":\"e\",\"channel\":\"c\",\"data\":\"" + "z".repeat(PusherApp.DEFAULT_MAX_EVENT_BYTES + 1) + "\"}";
        assertThat(signedPost(APP, path, tooLarge, now).statusCode()).isEqualTo(413);
        HttpResponse<String> unsigned = http.send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(good)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(unsigned.statusCode()).isEqualTo(401);
    }

    /** Signs as the server SDKs do (PusherClientsTest checks this against the vendor's own SDK). */
    private HttpResponse<String> signedPost(PusherApp app, String path, String body, long timestamp) throws Exception {
        String query = "auth_key=" + app.key() + "&auth_timestamp=" + timestamp + "&auth_version=1.0&body_md5="
                + Signatures.md5Hex(body.getBytes(StandardCharsets.UTF_8));
        String signature = Signatures.hmacSha256Hex(app.secret(), "POST\n" + path + "\n" + query);
        return http.send(HttpRequest.newBuilder(uri(path + "?" + query + "&auth_signature=" + signature))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + server.port() + pathAndQuery);
    }
}
