package dev.halley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halley.testing.Eventually;
import dev.halley.testing.RedisProcess;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A network partition of one node from Redis, for real: the node runs in a network namespace of
 * its own, reaching Redis over one veth link and reached by the test over another; the partition
 * is 100% loss on the Redis link ({@code tc}), so packets vanish without a reset, as when a
 * switch or a firewall drops them. The cut-off node degrades, refuses publishes with 503, keeps
 * its subscriber's stream open, and once the link heals delivers everything that the other node
 * accepted meanwhile, once and in order.
 */
class PartitionTest {

    private static final String NAMESPACE = "halley-part";
    private static final String REDIS_HOST_SIDE = "10.231.0.1";
    private static final String REDIS_NODE_SIDE = "10.231.0.2";
    private static final String HTTP_HOST_SIDE = "10.232.0.1";
    private static final String HTTP_NODE_SIDE = "10.232.0.2";

    @Test
    void aNodeCutOffFromRedisDegradesAndCatchesUpWhenTheLinkHeals() throws Exception {
        run("ip", "netns", "del", NAMESPACE);
        Assumptions.assumeTrue(run("ip", "netns", "add", NAMESPACE) == 0,
                "network namespaces are not permitted here (ip netns add failed): the partition test needs root and iproute2's ip and tc");
        try {
            link("hly-r0", "hly-r1", REDIS_HOST_SIDE, REDIS_NODE_SIDE);
            link("hly-h0", "hly-h1", HTTP_HOST_SIDE, HTTP_NODE_SIDE);
            must("ip", "netns", "exec", NAMESPACE, "ip", "link", "set", "lo", "up");
            partitionedRun();
        } finally {
            // Deleting the namespace deletes its ends of the links, and with them the host ends.
            run("ip", "netns", "del", NAMESPACE);
            run("ip", "link", "del", "hly-r0");
            run("ip", "link", "del", "hly-h0");
        }
    }

    private void partitionedRun() throws Exception {
        try (RedisProcess redis = new RedisProcess(REDIS_HOST_SIDE);
             NodeProcess free = new NodeProcess(redis.uri());
             NodeProcess cut = new NodeProcess(List.of("ip", "netns", "exec", NAMESPACE), HTTP_NODE_SIDE,
                     "redis://" + REDIS_HOST_SIDE + ":" + redis.port())) {
            String marker = free.publish("/pub/channel/island", "start");
            ReconnectingSseClient sse = new ReconnectingSseClient(HTTP_NODE_SIDE, "/sub/channel/island", marker, cut::port,
                    System.nanoTime() + TimeUnit.SECONDS.toNanos(120));
            Thread sseThread = new Thread(sse, "sse-island");
            sseThread.start();
            Eventually.await("the stream on the cut-off node opens", sse::opened);

            List<String> acknowledged = new ArrayList<>();
            AtomicBoolean publishing = new AtomicBoolean(true);
            Thread publisher = new Thread(() -> {
                int k = 0;
                while (publishing.get()) {
                    try {
                        free.publish("/pub/channel/island", "p" + k);
                        synchronized (acknowledged) {
                            acknowledged.add("p" + k);
                        }
                        k++;
                        Thread.sleep(10);
                    } catch (IOException | InterruptedException | IllegalStateException e) {
                        return;
                    }
                }
            }, "publisher");
            publisher.start();
            Eventually.await("messages flow", () -> count(acknowledged) >= 30 && sse.data.size() >= 20);

            cut("add");
            int atCut = count(acknowledged);
            Eventually.await("the cut-off node reports degraded", () -> brokerState(cut).equals("degraded"));
            HttpResponse<String> refused = cut.post("/pub/channel/island", "from the island");
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(refused.body()).contains("message not stored");
            Eventually.await("the other node goes on accepting", () -> count(acknowledged) >= atCut + 100);
            int deliveredWhileCut = sse.data.size();

            cut("del");
            Eventually.await("the node reports ok again", () -> brokerState(cut).equals("ok"));
            publishing.set(false);
            publisher.join(10_000);
            assertThat(cut.post("/pub/channel/island", "healed").statusCode()).as("the healed node accepts publishes").isEqualTo(200);

            List<String> expected = new ArrayList<>(List.copyOf(acknowledged));
            expected.add("healed");
            Eventually.await("the subscriber has every acknowledged message", () -> sse.data.size() >= expected.size());
            assertThat(sse.reconnects()).as("the subscriber's stream stayed open").isZero();
            sse.stop();
            sseThread.join(5000);
            List<String> got = sse.data.stream().map(RedisClusterTest::dataOf).toList();
            Set<String> seen = new HashSet<>(got);
            long lost = expected.stream().filter(e -> !seen.contains(e)).count();
            System.out.printf("partition: acknowledged=%d delivered_while_cut=%d lost=%d duplicated=%d%n",
                    expected.size(), deliveredWhileCut, lost, got.size() - seen.size());
            assertThat(got).as("every message once, in order: none lost, duplicated or reordered; and nothing of what"
                    + " the cut-off node refused").containsExactlyElementsOf(expected);
            assertThat(sse.gaps).isEmpty();
        }
    }

    /** A veth pair: {@code outside} stays here with {@code outsideIp}, {@code inside} moves into the namespace. */
    private static void link(String outside, String inside, String outsideIp, String insideIp) throws IOException, InterruptedException {
        must("ip", "link", "add", outside, "type", "veth", "peer", "name", inside);
        must("ip", "link", "set", inside, "netns", NAMESPACE);
        must("ip", "addr", "add", outsideIp + "/30", "dev", outside);
        must("ip", "link", "set", outside, "up");
        must("ip", "netns", "exec", NAMESPACE, "ip", "addr", "add", insideIp + "/30", "dev", inside);
        must("ip", "netns", "exec", NAMESPACE, "ip", "link", "set", inside, "up");
    }

    /**
     * Drops every packet on the Redis link, both ways ({@code add}), or stops dropping ({@code del}):
     * a FIFO queue of length 0 as the links' root qdisc, which needs no netem or netfilter module.
     */
    private static void cut(String action) throws IOException, InterruptedException {
        List<String> loss = "add".equals(action) ? List.of("pfifo", "limit", "0") : List.of();
        List<String> outside = new ArrayList<>(List.of("tc", "qdisc", action, "dev", "hly-r0", "root"));
        outside.addAll(loss);
        must(outside.toArray(String[]::new));
        List<String> inside = new ArrayList<>(List.of("ip", "netns", "exec", NAMESPACE, "tc", "qdisc", action, "dev", "hly-r1", "root"));
        inside.addAll(loss);
        must(inside.toArray(String[]::new));
    }

    private static int count(List<String> acknowledged) {
        synchronized (acknowledged) {
            return acknowledged.size();
        }
    }

    private static String brokerState(NodeProcess node) {
        try {
            return node.status().get("broker").get("state").asText();
        } catch (IOException | InterruptedException | RuntimeException e) {
            return "unreachable";
        }
    }

    private static void must(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
    }

    /** Runs a command and returns its exit code; -1 when it cannot be started (no such program). */
    private static int run(String... command) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (IOException e) {
            return -1;
        }
    }
}
