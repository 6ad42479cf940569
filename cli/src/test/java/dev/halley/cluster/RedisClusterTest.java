package dev.halley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halley.testing.Eventually;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two nodes over a real Redis Cluster of three masters and three replicas: topics spread over the
 * masters by their hash tag, each topic's script runs on its own shard, and delivery and resuming
 * work across nodes as they do over one Redis.
 */
class RedisClusterTest {

    private static final int CHANNELS = 12;
    private static final int MESSAGES = 15;

    private static RedisClusterProcess redis;
    private static NodeProcess a;
    private static NodeProcess b;

    @BeforeAll
    static void startCluster() throws Exception {
        redis = new RedisClusterProcess();
        a = new NodeProcess(redis.uri());
        b = new NodeProcess(redis.uri());
    }

    @AfterAll
    static void stopCluster() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void channelsSpreadOverTheMastersAndEveryMessageReachesTheOtherNode() throws Exception {
        List<ReconnectingSseClient> subscribers = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        try {
            for (int c = 0; c < CHANNELS; c++) {
                String marker = b.publish("/pub/channel/spread" + c, "marker");
                ReconnectingSseClient sse = new ReconnectingSseClient("/sub/channel/spread" + c, marker, a::port,
                        System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
                Thread t = new Thread(sse, "sse-spread" + c);
                t.start();
                subscribers.add(sse);
                threads.add(t);
            }
            for (ReconnectingSseClient sse : subscribers) {
                Eventually.await("every stream opens", sse::opened);
            }
            // A message that arrives after a stream opened shows that its topic's delivery is live.
            for (int c = 0; c < CHANNELS; c++) {
                b.publish("/pub/channel/spread" + c, "ready");
            }
            for (ReconnectingSseClient sse : subscribers) {
                Eventually.await("every topic is live", () -> sse.data.size() >= 1);
            }
            JsonNode before = a.status().get("routing");
            for (int k = 0; k < MESSAGES; k++) {
                for (int c = 0; c < CHANNELS; c++) {
                    b.publish("/pub/channel/spread" + c, "m" + k);
                }
            }
            for (int c = 0; c < CHANNELS; c++) {
                ReconnectingSseClient sse = subscribers.get(c);
                Eventually.await("spread" + c + " has every message", () -> sse.data.size() >= MESSAGES + 1);
                List<String> expected = new ArrayList<>(List.of("ready"));
                for (int k = 0; k < MESSAGES; k++) {
                    expected.add("m" + k);
                }
                assertThat(sse.data.stream().map(RedisClusterTest::dataOf).toList()).as("spread%d", c).containsExactlyElementsOf(expected);
                assertThat(sse.gaps).isEmpty();
            }
            for (int master : redis.masters()) {
                assertThat(Long.parseLong(RedisClusterProcess.cli(master, "dbsize"))).as("master %d holds topics", master).isPositive();
            }
            // Counted over the messages published once every topic was live: while a stream opens,
            // a message may be both in its backlog and read live (read twice, delivered once).
            JsonNode routing = a.status().get("routing");
            assertThat(routing.get("messagesRead").asLong() - before.get("messagesRead").asLong())
                    .isEqualTo((long) CHANNELS * MESSAGES);
            assertThat(routing.get("messagesDelivered").asLong() - before.get("messagesDelivered").asLong())
                    .isEqualTo((long) CHANNELS * MESSAGES);
        } finally {
            for (ReconnectingSseClient sse : subscribers) {
                sse.stop();
            }
            for (Thread t : threads) {
                t.join(5000);
            }
        }
    }

    @Test
    void aClientResumesOnTheOtherNodeAndGapsStayExact() throws Exception {
        String first = a.publish("/pub/client/dora", "one");
        a.publish("/pub/client/dora", "two");
        a.publish("/pub/client/dora", "three");
        HttpResponse<String> resumed = b.get("/sub/client/dora?timeout=1s&since=" + first);
        JsonNode body = NodeProcess.JSON.readTree(resumed.body());
        assertThat(body.get("gap").asBoolean()).isFalse();
        assertThat(body.get("messages")).extracting(m -> m.get("data").asText()).containsExactly("two", "three");

        String epoch = first.substring(0, first.lastIndexOf('-'));
        HttpResponse<String> stale = b.get("/sub/client/dora?timeout=1s&since=" + epoch + "x-1");
        assertThat(NodeProcess.JSON.readTree(stale.body()).get("gap").asBoolean()).as("a cursor of another epoch").isTrue();
    }

    @Test
    void statusNamesTheClusterBrokerAndBothNodes() throws Exception {
        JsonNode broker = a.status().get("broker");
        assertThat(broker.get("kind").asText()).isEqualTo("redis-cluster");
        assertThat(broker.get("state").asText()).isEqualTo("ok");
        Eventually.await("each node lists both", () -> nodesSeen(a) == 2 && nodesSeen(b) == 2);
    }

    private static int nodesSeen(NodeProcess node) {
        try {
            return node.status().get("cluster").get("nodes").size();
        } catch (IOException | InterruptedException | RuntimeException e) {
            return -1;
        }
    }

    static String dataOf(String envelope) {
        try {
            return NodeProcess.JSON.readTree(envelope).get("data").asText();
        } catch (IOException e) {
            throw new AssertionError("not an envelope: " + envelope, e);
        }
    }
}
