package dev.halley.bench;

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

/** {@code --transport pusher}: every subscriber holds a Pusher WebSocket subscribed to its own channel. */
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
    void pusherRunsTheIdleScenarioOnly() {
        assertThat(BenchCli.execute("--scenario", "fanout", "--transport", "pusher", "--sub-url",
                "http://127.0.0.1:1/app/k?protocol=7&channel={channel}").err())
                .contains("--transport pusher runs the idle scenario only");
    }
}
