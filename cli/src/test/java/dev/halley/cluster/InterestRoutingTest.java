package dev.halley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halley.testing.Eventually;
import dev.halley.testing.RedisProcess;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Delivery by interest, counted: six nodes on one Redis, each with a subscriber on a channel of its
 * own, and every channel published to through every node. Each node reads from Redis only the
 * messages of its own channel: one read per message delivered (with one bus that every node read,
 * it was six).
 */
class InterestRoutingTest {

    private static final int NODES = 6;
    private static final int MESSAGES_PER_CHANNEL = 30;

    @Test
    void eachNodeReadsOneMessagePerMessageItDelivers() throws Exception {
        List<NodeProcess> nodes = new ArrayList<>();
        List<ReconnectingSseClient> subscribers = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        try (RedisProcess redis = new RedisProcess()) {
            // One after another: six JVMs starting at once on two cores outlast a node's start-up wait.
            for (int i = 0; i < NODES; i++) {
                nodes.add(new NodeProcess(redis.uri()));
            }
            for (int i = 0; i < NODES; i++) {
                NodeProcess node = nodes.get(i);
                // From a cursor, so what is published right after the stream opens cannot be missed.
                String marker = node.publish("/pub/channel/room" + i, "marker");
                ReconnectingSseClient sse = new ReconnectingSseClient("/sub/channel/room" + i, marker, node::port,
                        System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
                Thread t = new Thread(sse, "sse-room" + i);
                t.start();
                subscribers.add(sse);
                threads.add(t);
                Eventually.await("room" + i + "'s stream opens", sse::opened);
            }
            // Once a stream has a message published after it opened, its node's delivery of the room is
            // live (a backlog is read only then), so every later message arrives live and is counted.
            for (int i = 0; i < NODES; i++) {
                nodes.get(i).publish("/pub/channel/room" + i, "ready");
            }
            long[][] before = new long[NODES][];
            for (int i = 0; i < NODES; i++) {
                ReconnectingSseClient sse = subscribers.get(i);
                Eventually.await("room" + i + " is live", () -> sse.data.size() >= 1);
                before[i] = counts(nodes.get(i));
            }
            for (int k = 0; k < MESSAGES_PER_CHANNEL; k++) {
                for (int i = 0; i < NODES; i++) {
                    nodes.get((i + k) % NODES).publish("/pub/channel/room" + i, "m" + k);
                }
            }
            for (int i = 0; i < NODES; i++) {
                ReconnectingSseClient sse = subscribers.get(i);
                Eventually.await("room" + i + " has every message", () -> sse.data.size() >= MESSAGES_PER_CHANNEL + 1);
            }
            long readOnAll = 0;
            long deliveredOnAll = 0;
            for (int i = 0; i < NODES; i++) {
                JsonNode routing = nodes.get(i).status().get("routing");
                long read = routing.get("messagesRead").asLong();
                long delivered = routing.get("messagesDelivered").asLong();
                assertThat(subscribers.get(i).data).as("room%d in order, once each", i).hasSize(MESSAGES_PER_CHANNEL + 1);
                assertThat(delivered - before[i][1]).as("node %d delivered its room's messages", i).isEqualTo(MESSAGES_PER_CHANNEL);
                assertThat(read - before[i][0]).as("node %d read only its own room's messages", i).isEqualTo(MESSAGES_PER_CHANNEL);
                assertThat(read).as("node %d since start", i).isEqualTo(delivered);
                assertThat(routing.get("readsPerDelivered").asDouble()).isEqualTo(1.0);
                assertThat(routing.get("followedTopics").asLong()).isEqualTo(1);
                readOnAll += read;
                deliveredOnAll += delivered;
            }
            assertThat(readOnAll).as("messages read from Redis by the whole cluster").isEqualTo(deliveredOnAll);
            // /metrics serves a snapshot refreshed every second: wait for one taken after the deliveries.
            NodeProcess first = nodes.get(0);
            long firstDelivered = counts(first)[1];
            Eventually.await("/metrics shows the same counts", () -> {
                String metrics = metricsOf(first);
                return metrics.contains("halley_routing_read_messages_total " + firstDelivered + ".0")
                        && metrics.contains("halley_routing_delivered_messages_total " + firstDelivered + ".0");
            });
        } finally {
            for (ReconnectingSseClient sse : subscribers) {
                sse.stop();
            }
            for (Thread t : threads) {
                t.join(5000);
            }
            nodes.forEach(NodeProcess::close);
        }
    }

    /** {messagesRead, messagesDelivered} from the node's /status. */
    private static long[] counts(NodeProcess node) {
        try {
            JsonNode routing = node.status().get("routing");
            return new long[] {routing.get("messagesRead").asLong(), routing.get("messagesDelivered").asLong()};
        } catch (Exception e) {
            throw new AssertionError("no /status from " + node.port(), e);
        }
    }

    private static String metricsOf(NodeProcess node) {
        try {
            return node.get("/metrics").body();
        } catch (Exception e) {
            return "";
        }
    }
}
