package dev.halley.bench;

import static dev.halley.bench.BenchCli.assertNothingLost;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halley.broker.BrokerOptions;
import dev.halley.broker.LocalBroker;
import dev.halley.edge.HalleyServer;
import dev.halley.edge.ServerOptions;
import dev.halley.pusher.PusherApp;
import dev.halley.pusher.PusherApps;
import dev.halley.pusher.PusherGateway;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --transport pusher}: every subscriber holds a Pusher WebSocket subscribed to its channel, and
 * {@code --pusher-app} publishes through the signed Pusher HTTP API.
 */
class BenchPusherTest {

    @TempDir
    Path dir;

    @Test
    void idlePusherSubscribersEachHoldAChannelSubscription() throws Exception {
        PusherApp app = PusherApp.parse("bench:bench-key:bench-secret-0123456789");
        try (HalleyServer server = HalleyServer.start(ServerOptions.DEFAULTS.withPort(0).withBind("127.0.0.1").withLoops(2),
                shards -> new LocalBroker(shards, BrokerOptions.DEFAULTS, Clock.systemUTC()),
                hub -> new PusherGateway(hub, new PusherApps(List.of(app)), Clock.systemUTC()))) {
            String subUrl = "http://127.0.0.1:" + server.port() + "/app/" + app.key() + "?protocol=7&channel={id}";
            CompletableFuture<JsonNode> report = CompletableFuture.supplyAsync(() -> BenchCli.run(dir, "--scenario", "idle",
                    "--transport", "pusher", "--connections", "200", "--rate", "2000", "--hold", "4s",
                    "--source", "127.0.0.2-127.0.0.3", "--sub-url", subUrl));
            long subscriptions = 0;
            for (int i = 0; i < 200 && subscriptions < 200; i++) {
                subscriptions = server.hub().stats().toCompletableFuture().get(5, TimeUnit.SECONDS).subscriptions();
                Thread.sleep(50);
            }
            assertThat(subscriptions).as("hub subscriptions made by pusher:subscribe frames").isEqualTo(200);
            JsonNode c = report.get(2, TimeUnit.MINUTES).path("connections");
            assertThat(c.path("standing").asLong()).isEqualTo(200);
            assertThat(c.path("failedTotal").asLong()).isZero();
        }
    }

    @Test
    void pusherFanoutThroughTheSignedHttpApiLosesNothing() throws Exception {
        PusherApp app = PusherApp.parse("bench:bench-key:bench-secret-0123456789");
        try (HalleyServer server = pusherNode(app)) {
            String base = "http://127.0.0.1:" + server.port();
            JsonNode r = BenchCli.run(dir, "--scenario", "fanout", "--transport", "pusher", "--connections", "120",
                    "--channels", "4", "--rate", "2000", "--publish-rate", "40", "--duration", "1s",
                    "--sub-url", base + "/app/" + app.key() + "?protocol=7&channel={channel}",
                    "--pub-url", base + "/apps/" + app.id() + "/events", "--pusher-app", "bench:bench-key:bench-secret-0123456789");
            assertNothingLost(r);
            // 40 events over 4 channels of 30 subscribers each.
            assertThat(r.path("delivery").path("expected").asLong()).isEqualTo(40 * 30);
        }
    }

    @Test
    void aWrongSecretIsRefusedByTheApiAndCounted() throws Exception {
        PusherApp app = PusherApp.parse("bench:bench-key:bench-secret-0123456789");
        try (HalleyServer server = pusherNode(app)) {
            String base = "http://127.0.0.1:" + server.port();
            JsonNode r = BenchCli.run(dir, "--scenario", "direct", "--transport", "pusher", "--connections", "10",
                    "--rate", "1000", "--publish-rate", "10", "--duration", "1s", "--grace", "0s",
                    "--sub-url", base + "/app/" + app.key() + "?protocol=7&channel={id}",
                    "--pub-url", base + "/apps/" + app.id() + "/events", "--pusher-app", "bench:bench-key:not-the-secret-0123456");
            assertThat(r.path("publish").path("accepted").asLong()).isZero();
            // The last publish may still be in flight when the run ends; every one answered was a 401.
            assertThat(r.path("publish").path("failed").path("non2xx").asLong()).isPositive();
        }
    }

    @Test
    void pusherPublishingNeedsTheAppsCredentials() {
        assertThat(BenchCli.execute("--scenario", "fanout", "--transport", "pusher", "--sub-url",
                "http://127.0.0.1:1/app/k?protocol=7&channel={channel}").err())
                .contains("--transport pusher with the fanout scenario needs --pusher-app id:key:secret");
        assertThat(BenchCli.execute("--scenario", "fanout", "--transport", "sse", "--pusher-app", "a:b:c", "--sub-url",
                "http://127.0.0.1:1/sub/{channel}").err())
                .contains("--pusher-app publishes to Pusher channels, which only --transport pusher subscribes to");
    }

    private static HalleyServer pusherNode(PusherApp app) throws InterruptedException {
        return HalleyServer.start(ServerOptions.DEFAULTS.withPort(0).withBind("127.0.0.1").withLoops(2),
                shards -> new LocalBroker(shards, BrokerOptions.DEFAULTS, Clock.systemUTC()),
                hub -> new PusherGateway(hub, new PusherApps(List.of(app)), Clock.systemUTC()));
    }
}
