package dev.halley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halley.testing.Eventually;
import dev.halley.testing.RedisProcess;
import dev.halley.testing.SseClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Two nodes over one real Redis: presence read from either node is the cluster's, join and leave
 * events cross nodes, and a node killed with -9 takes its clients off the lists (with a leave event)
 * within its membership's time to live.
 */
class PresenceClusterTest {

    /** Node time to live (6 s) + a watch interval (1 s), with room for a busy box. */
    private static final Duration DEAD_NODE_BOUND = Duration.ofSeconds(15);

    @Test
    void presenceIsClusterWideAndAKilledNodesClientsLeaveWithinItsTimeToLive() throws Exception {
        try (RedisProcess redis = new RedisProcess();
             NodeProcess a = new NodeProcess(redis.uri(), "--sse-heartbeat", "1s");
             NodeProcess b = new NodeProcess(redis.uri(), "--sse-heartbeat", "1s");
             SseClient watcher = SseClient.open(b.port(), "/sub/channel/room?id=watcher&presence=1")) {
            assertThat(watcher.status()).isEqualTo(200);
            Eventually.await("the watcher is present", () -> clients(b, "room").contains("watcher"));
            try (SseClient alice = SseClient.open(a.port(), "/sub/channel/room?id=alice");
                 SseClient bob = SseClient.open(b.port(), "/sub/channel/room?id=bob")) {
                assertThat(List.of(alice.status(), bob.status())).containsOnly(200);
                List<String> joined = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    SseClient.Event join = watcher.next();
                    assertThat(join.event()).as(join.data()).isEqualTo("join");
                    joined.add(NodeProcess.JSON.readTree(join.data()).get("client").asText());
                }
                assertThat(joined).as("the join on the other node crosses over").containsExactlyInAnyOrder("alice", "bob");
                for (NodeProcess reader : List.of(a, b)) {
                    assertThat(clients(reader, "room")).containsExactlyInAnyOrder("watcher", "alice", "bob");
                    JsonNode alicePresence = presence(reader, "/presence/client/alice");
                    assertThat(alicePresence.get("online").asBoolean()).isTrue();
                    assertThat(alicePresence.get("connections").asInt()).isEqualTo(1);
                }

                long killedAt = System.nanoTime();
                a.kill9();
                SseClient.Event leave = watcher.next();
                Duration took = Duration.ofNanos(System.nanoTime() - killedAt);
                assertThat(leave.event()).isEqualTo("leave");
                assertThat(NodeProcess.JSON.readTree(leave.data()).get("client").asText()).isEqualTo("alice");
                assertThat(took).as("the dead node's client leaves within its time to live").isLessThan(DEAD_NODE_BOUND);
                assertThat(clients(b, "room")).containsExactlyInAnyOrder("watcher", "bob");
                assertThat(presence(b, "/presence/client/alice").get("online").asBoolean()).isFalse();
            }
        }
    }

    private static List<String> clients(NodeProcess node, String channel) {
        List<String> out = new ArrayList<>();
        presence(node, "/presence/channel/" + channel).get("clients").forEach(c -> out.add(c.get("client").asText()));
        return out;
    }

    private static JsonNode presence(NodeProcess node, String path) {
        try {
            return NodeProcess.JSON.readTree(node.get(path).body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
