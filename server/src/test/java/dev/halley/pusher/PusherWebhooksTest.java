package dev.halley.pusher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.halley.broker.BrokerOptions;
import dev.halley.broker.LocalBroker;
import dev.halley.edge.HalleyServer;
import dev.halley.edge.ServerOptions;
import dev.halley.testing.TestServer;
import dev.halley.testing.WsClient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Webhooks against a real HTTP receiver that fails at first: the batch comes again, signed the same. */
class PusherWebhooksTest {

    private record Received(String body, String key, String signature) {
    }

    @Test
    void aFailedBatchIsRetriedWithTheSameSignedBody() throws Exception {
        BlockingQueue<Received> received = new LinkedBlockingQueue<>();
        AtomicInteger requests = new AtomicInteger();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        receiver.createContext("/hooks", exchange -> {
            received.add(new Received(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8),
                    exchange.getRequestHeaders().getFirst("X-Pusher-Key"), exchange.getRequestHeaders().getFirst("X-Pusher-Signature")));
            exchange.sendResponseHeaders(requests.incrementAndGet() == 1 ? 503 : 200, -1);
            exchange.close();
        });
        receiver.start();
        PusherApp app = new PusherApp("3001", "hook-key", "hook-secret-0123456789", false, 1024, 100,
                URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks"));
        try (HalleyServer server = HalleyServer.start(ServerOptions.DEFAULTS.withPort(0).withBind("127.0.0.1").withLoops(2),
                shards -> new LocalBroker(shards, BrokerOptions.DEFAULTS, Clock.systemUTC()),
                hub -> new PusherGateway(hub, new PusherApps(List.of(app)), Clock.systemUTC()));
             WsClient ws = WsClient.open(server.port(), "/app/" + app.key() + "?protocol=7")) {
            assertThat(ws.next().get("event").asText()).isEqualTo("pusher:connection_established");
            ws.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"watched\"}}");
            assertThat(ws.next().get("event").asText()).isEqualTo("pusher_internal:subscription_succeeded");

            Received refused = received.poll(10, TimeUnit.SECONDS);
            Received retried = received.poll(10, TimeUnit.SECONDS);
            assertThat(refused).isNotNull();
            assertThat(retried).isEqualTo(refused);
            assertThat(retried.key()).isEqualTo(app.key());
            assertThat(retried.signature()).isEqualTo(Signatures.hmacSha256Hex(app.secret(), retried.body()));
            JsonNode body = TestServer.json(retried.body());
            assertThat(body.get("time_ms").asLong()).isPositive();
            assertThat(body.get("events").get(0).get("name").asText()).isEqualTo("channel_occupied");
            assertThat(body.get("events").get(0).get("channel").asText()).isEqualTo("watched");

            ws.send("{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"watched\"}}");
            JsonNode vacated = TestServer.json(received.poll(10, TimeUnit.SECONDS).body()).get("events").get(0);
            assertThat(vacated.get("name").asText()).isEqualTo("channel_vacated");
        } finally {
            receiver.stop(0);
        }
    }
}
