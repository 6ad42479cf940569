package dev.halley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halley.testing.Eventually;
import dev.halley.testing.RedisProcess;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Redis restarts (losing its data) while a publisher keeps publishing: nodes report
 * {@code degraded}, refuse to acknowledge what they cannot store, recover by themselves, and every
 * acknowledged message reaches a subscriber on the other node that stayed connected throughout.
 */
class RedisRestartTest {

    @Test
    void nodesDegradeRecoverAndDeliverEveryAcknowledgedMessage() throws Exception {
        try (RedisProcess redis = new RedisProcess();
             NodeProcess a = new NodeProcess(redis.uri());
             NodeProcess b = new NodeProcess(redis.uri())) {
            String epochBefore = a.status().get("broker").get("epoch").asText();
            String marker = b.publish("/pub/channel/live", "start");
            ReconnectingSseClient sse = new ReconnectingSseClient("/sub/channel/live", marker, a::port, System.nanoTime() + TimeUnit.SECONDS.toNanos(90));
            Thread sseThread = new Thread(sse, "sse-live");
            sseThread.start();
            Eventually.await("the SSE stream opens", sse::opened);

            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            AtomicInteger refused = new AtomicInteger();
            AtomicBoolean publishing = new AtomicBoolean(true);
            Thread publisher = new Thread(() -> publishUntilStopped(b, publishing, acknowledged, refused), "publisher");
            publisher.start();
            Eventually.await("some messages are stored", () -> acknowledged.size() >= 20);

            redis.stop();
            Eventually.await("A reports degraded", () -> brokerState(a).equals("degraded"));
            Eventually.await("B refuses a publish", () -> refused.get() > 0);
            // Subscribes while Redis is away: its subscription must start once Redis is back, not die.
            ReconnectingSseClient late = new ReconnectingSseClient("/sub/channel/live", null, a::port, System.nanoTime() + TimeUnit.SECONDS.toNanos(90));
            Thread lateThread = new Thread(late, "sse-late");
            lateThread.start();
            Eventually.await("the late SSE stream opens", late::opened);
            redis.start();
            Eventually.await("A reports ok again", () -> brokerState(a).equals("ok"));
            Eventually.await("B reports ok again", () -> brokerState(b).equals("ok"));
            int afterRecovery = acknowledged.size();
            Eventually.await("publishing works again", () -> acknowledged.size() >= afterRecovery + 20);
            publishing.set(false);
            publisher.join(10_000);

            Eventually.await("A's subscriber has every acknowledged message",
                    () -> received(sse).containsAll(acknowledged));
            Eventually.await("the subscriber that came during the outage gets later messages", () -> !late.data.isEmpty());
            sse.stop();
            late.stop();
            sseThread.join(5000);
            lateThread.join(5000);
            List<String> got = sse.data.stream().map(RedisRestartTest::dataOf).toList();
            assertThat(got).doesNotHaveDuplicates();
            assertThat(refused.get()).isPositive();
            assertThat(a.status().get("broker").get("epoch").asText()).as("Redis lost its data: a new epoch").isNotEqualTo(epochBefore);
        }
    }

    private static void publishUntilStopped(NodeProcess node, AtomicBoolean publishing, Set<String> acknowledged, AtomicInteger refused) {
        int k = 0;
        while (publishing.get()) {
            String data = "m" + k++;
            try {
                HttpResponse<String> r = node.post("/pub/channel/live", data);
                if (r.statusCode() == 200) {
                    acknowledged.add(data);
                } else if (r.statusCode() == 503 && r.body().contains("message not stored")) {
                    refused.incrementAndGet();
                }
                Thread.sleep(10);
            } catch (IOException e) {
                refused.incrementAndGet();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static Set<String> received(ReconnectingSseClient sse) {
        return Set.copyOf(sse.data.stream().map(RedisRestartTest::dataOf).toList());
    }

    private static String dataOf(String envelope) {
        try {
            return NodeProcess.JSON.readTree(envelope).get("data").asText();
        } catch (IOException e) {
            throw new AssertionError("not an envelope: " + envelope, e);
        }
    }

    private static String brokerState(NodeProcess node) {
        try {
            return node.status().get("broker").get("state").asText();
        } catch (IOException | InterruptedException e) {
            return "unreachable";
        }
    }
}
