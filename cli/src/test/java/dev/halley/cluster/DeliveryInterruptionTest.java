package dev.halley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halley.testing.Eventually;
import dev.halley.testing.RedisProcess;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Redis drops the nodes' pub/sub connections (as it does to a subscriber over its output buffer
 * limit) while messages keep coming: the node resubscribes, reads what it missed from the topic's
 * log, and its subscriber, which stayed connected, gets every message once and in order.
 */
class DeliveryInterruptionTest {

    private static final int KILLS = 3;

    @Test
    void aDroppedPubSubConnectionIsCaughtUpFromTheLog() throws Exception {
        try (RedisProcess redis = new RedisProcess();
             NodeProcess a = new NodeProcess(redis.uri());
             NodeProcess b = new NodeProcess(redis.uri())) {
            String marker = b.publish("/pub/channel/ticks", "start");
            ReconnectingSseClient sse = new ReconnectingSseClient("/sub/channel/ticks", marker, a::port,
                    System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
            Thread sseThread = new Thread(sse, "sse-ticks");
            sseThread.start();
            Eventually.await("the SSE stream opens", sse::opened);

            List<String> acknowledged = new ArrayList<>();
            AtomicBoolean publishing = new AtomicBoolean(true);
            Thread publisher = new Thread(() -> {
                int k = 0;
                while (publishing.get()) {
                    try {
                        b.publish("/pub/channel/ticks", "t" + k);
                        synchronized (acknowledged) {
                            acknowledged.add("t" + k);
                        }
                        k++;
                        Thread.sleep(5);
                    } catch (IOException | InterruptedException | IllegalStateException e) {
                        return;
                    }
                }
            }, "publisher");
            publisher.start();

            RedisClient admin = RedisClient.create(redis.uri());
            try (StatefulRedisConnection<String, String> connection = admin.connect()) {
                for (int kill = 0; kill < KILLS; kill++) {
                    int before = acknowledged(acknowledged).size();
                    Eventually.await("messages flow", () -> acknowledged(acknowledged).size() >= before + 30);
                    assertThat(connection.sync().clientKill(KillArgs.Builder.typePubsub())).as("pub/sub connections dropped").isPositive();
                }
                int last = acknowledged(acknowledged).size();
                Eventually.await("messages flow after the last drop", () -> acknowledged(acknowledged).size() >= last + 30);
            } finally {
                admin.shutdown();
            }
            publishing.set(false);
            publisher.join(10_000);

            List<String> expected = acknowledged(acknowledged);
            Eventually.await("the subscriber has every acknowledged message", () -> sse.data.size() >= expected.size());
            assertThat(sse.reconnects()).as("the subscriber's own connection stayed open").isZero();
            sse.stop();
            sseThread.join(5000);
            List<String> got = sse.data.stream().map(DeliveryInterruptionTest::dataOf).toList();
            assertThat(got).as("every message once, in order: none lost, duplicated or reordered").containsExactlyElementsOf(expected);
            assertThat(sse.gaps).isEmpty();
            var routing = a.status().get("routing");
            assertThat(routing.get("messagesRead").asLong())
                    .as("read once live or once caught up, at most a message per drop twice: %s", routing)
                    .isBetween((long) expected.size(), (long) expected.size() + KILLS);
        }
    }

    private static List<String> acknowledged(List<String> list) {
        synchronized (list) {
            return List.copyOf(list);
        }
    }

    private static String dataOf(String envelope) {
        try {
            return NodeProcess.JSON.readTree(envelope).get("data").asText();
        } catch (IOException e) {
            throw new AssertionError("not an envelope: " + envelope, e);
        }
    }
}
