package dev.halley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.halley.testing.Eventually;
import dev.halley.testing.RedisProcess;
import dev.halley.testing.Signals;
import dev.halley.testing.SseClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Presence repairs itself after Redis lost a node's entries while its clients stayed connected:
 * two real nodes over a real Redis, real SSE clients (a crowd of them on one channel, so a rewrite
 * takes several steps), and three outages. Redis stopped (SIGSTOP) past the membership's time to
 * live, and one node stopped past it (so the other node's readers delete its entries): the streams
 * stay open throughout, and afterwards every presence answer, read from either node, is exactly
 * what it was before (no client missing, none twice, the same connection counts and the same
 * {@code since}); a watcher hears nothing about its own node's clients, and its events over the
 * outage add up to no change. Redis restarted empty: that ends every stream (its log is gone, a
 * gap), so the clients reconnect as EventSource does, and the lists again hold every client with
 * its connection count, although the node's joins came before its membership was back.
 */
class PresenceRepairTest {

    /** Reconnect (Lettuce backs off) + a heartbeat (2 s) + the rewrite, with room for a busy box. */
    private static final Duration REPAIR_BOUND = Duration.ofSeconds(10);
    /** Past the membership's time to live (6 s) by more than a heartbeat. */
    private static final Duration PAST_TTL = Duration.ofSeconds(9);
    /** Clients of node A on channel crowd: more than a rewrite step's 512 entries, so it takes several. */
    private static final int CROWD = 600;
    private static final List<String> PATHS = List.of("/presence/channel/room", "/presence/channel/lobby", "/presence/channel/crowd",
            "/presence/client/alice", "/presence/client/bob", "/presence/client/carol", "/presence/client/dave",
            "/presence/client/wa", "/presence/client/wb");
    /** The clients each watcher's own node holds on the watched channel, room. */
    private static final Set<String> ON_A = Set.of("alice", "carol", "wa");
    private static final Set<String> ON_B = Set.of("alice", "bob", "wb");

    @Test
    void redisRestartedEmptyGetsEveryEntryBack() throws Exception {
        try (Cluster c = new Cluster(true)) {
            c.redis.stop();
            Thread.sleep(3000);
            c.redis.start();
            c.awaitRepaired("redis_restarted");
        }
    }

    @Test
    void redisStoppedPastTheTimeToLiveGetsEveryEntryBack() throws Exception {
        try (Cluster c = new Cluster(false)) {
            c.redis.freeze();
            Thread.sleep(PAST_TTL.toMillis());
            c.redis.thaw();
            c.awaitRepaired("redis_stopped");
            c.assertWatchersHeardNoChange(Set.of());
        }
    }

    @Test
    void aNodeStoppedPastTheTimeToLiveGetsItsEntriesBackAfterTheOtherDeletedThem() throws Exception {
        try (Cluster c = new Cluster(false)) {
            Signals.send(c.a.process(), "STOP");
            Eventually.await("B takes stopped A's carol off room", REPAIR_BOUND.plus(PAST_TTL), () -> {
                List<String> room = clients(c.b, "room");
                return room.contains("bob") && !room.contains("carol");
            });
            // Long enough for B's watch to compare (every second) and see carol gone.
            Thread.sleep(2500);
            Signals.send(c.a.process(), "CONT");
            c.awaitRepaired("node_stopped");
            c.assertWatchersHeardNoChange(Set.of("carol"));
        }
    }

    /** Redis, node A and node B, their clients connected, and the presence answers as they were before any outage. */
    private static final class Cluster implements AutoCloseable {

        final RedisProcess redis;
        final NodeProcess a;
        final NodeProcess b;
        /** Whether the clients reconnect when their stream ends, as EventSource does; their watchers are then not read. */
        private final boolean reconnecting;
        private final List<Runnable> closers = new ArrayList<>();
        private Watcher wa;
        private Watcher wb;
        private final Map<String, JsonNode> before;

        Cluster(boolean reconnecting) throws Exception {
            this.reconnecting = reconnecting;
            redis = new RedisProcess();
            a = new NodeProcess(redis.uri(), "--sse-heartbeat", "1s");
            b = new NodeProcess(redis.uri(), "--sse-heartbeat", "1s");
            SseClient watchingA = open(a, "/sub/channel/room?id=wa&presence=1");
            SseClient watchingB = open(b, "/sub/channel/room?id=wb&presence=1");
            if (!reconnecting) {
                wa = new Watcher(watchingA);
                wb = new Watcher(watchingB);
            }
            open(a, "/sub/channel/room?id=alice");
            open(a, "/sub/channel/room?id=alice");
            open(a, "/sub?channel=room&channel=lobby&id=carol");
            open(b, "/sub/channel/room?id=alice");
            open(b, "/sub/channel/room?id=bob");
            open(b, "/sub/channel/lobby?id=dave");
            for (int i = 0; i < CROWD; i++) {
                open(a, "/sub/channel/crowd?id=c" + i);
            }
            Eventually.await("both nodes list everyone", () -> clients(a, "room").size() == 5 && clients(b, "lobby").size() == 2
                    && clients(b, "crowd").size() == CROWD && read(a).equals(read(b)));
            before = read(a);
            assertThat(before.get("/presence/channel/room").get("clients")).extracting(p -> p.get("client").asText() + "×"
                    + p.get("connections").asInt()).containsExactlyInAnyOrder("wa×1", "wb×1", "alice×3", "carol×1", "bob×1");
            assertThat(before.get("/presence/client/alice").get("connections").asInt()).isEqualTo(3);
            if (!reconnecting) {
                // Whatever the nodes announced while the clients came is not the outage's doing.
                Thread.sleep(1500);
                wa.reset();
                wb.reset();
            }
        }

        /** Opens a stream; returns it when it is one that does not reconnect, else null. */
        private SseClient open(NodeProcess node, String path) {
            if (reconnecting) {
                ReconnectingSseClient c = new ReconnectingSseClient(path, null, node::port, System.nanoTime() + TimeUnit.MINUTES.toNanos(2));
                Thread t = new Thread(c, "sse " + path);
                t.setDaemon(true);
                t.start();
                closers.add(() -> {
                    try {
                        c.stop();
                    } catch (IOException e) {
                        // Already closed by the node; the thread ends at its next read.
                    }
                });
                return null;
            }
            SseClient c = SseClient.open(node.port(), path);
            assertThat(c.status()).as(path).isEqualTo(200);
            closers.add(c::close);
            return c;
        }

        /**
         * Waits until both nodes answer every presence read as before the outage (reconnected
         * clients are present since their new connection: then everything but {@code since}); prints
         * how long that took.
         */
        void awaitRepaired(String scenario) throws InterruptedException {
            long fromNanos = System.nanoTime();
            Map<String, JsonNode> expected = reconnecting ? withoutSince(before) : before;
            Eventually.await("every presence answer is whole again on both nodes", REPAIR_BOUND, () -> {
                Map<String, JsonNode> fromA = read(a);
                Map<String, JsonNode> fromB = read(b);
                return expected.equals(reconnecting ? withoutSince(fromA) : fromA)
                        && expected.equals(reconnecting ? withoutSince(fromB) : fromB);
            });
            long tookMillis = Duration.ofNanos(System.nanoTime() - fromNanos).toMillis();
            System.out.printf("presence repair: scenario=%s latency_ms=%d%n", scenario, tookMillis);
            assertThat(a.logText()).contains("event=presence_rewritten");
        }

        /**
         * Waits out the watchers' hold (a heartbeat past the rewrite), then checks that neither heard
         * of its own node's clients, that each remote client's events add up to no change, and that
         * the clients in {@code mustHaveLeft} were announced leaving (and back) on the other node.
         */
        void assertWatchersHeardNoChange(Set<String> mustHaveLeft) throws InterruptedException {
            Thread.sleep(4000);
            for (Watcher w : List.of(wa, wb)) {
                Set<String> own = w == wa ? ON_A : ON_B;
                List<String> heard = w.heard();
                assertThat(heard).as("what %s heard of its own node's clients", w == wa ? "wa" : "wb")
                        .noneMatch(e -> own.contains(e.substring(e.indexOf(' ') + 1)));
                Map<String, Integer> net = new LinkedHashMap<>();
                heard.forEach(e -> net.merge(e.substring(e.indexOf(' ') + 1), e.startsWith("join") ? 1 : -1, Integer::sum));
                assertThat(net.values()).as("events over the outage add up to no change: %s", heard).allMatch(n -> n == 0);
            }
            for (String client : mustHaveLeft) {
                assertThat(wb.heard()).as("B's watcher").containsSubsequence("leave " + client, "join " + client);
            }
        }

        @Override
        public void close() {
            closers.forEach(Runnable::run);
            try {
                Signals.send(a.process(), "CONT");
            } catch (IOException | InterruptedException | IllegalStateException e) {
                // The node is not stopped, or already gone: closing it is all that is left to do.
            }
            a.close();
            b.close();
            redis.close();
        }
    }

    /** Reads a watching stream on a thread of its own and keeps its presence events ("join bob"). */
    private static final class Watcher implements Runnable {

        private final SseClient stream;
        private final List<String> heard = new ArrayList<>();
        private final Thread thread;

        Watcher(SseClient stream) {
            this.stream = stream;
            this.thread = new Thread(this, "watcher");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void run() {
            try {
                while (true) {
                    SseClient.Event e = stream.next();
                    if (e.event().equals("join") || e.event().equals("leave")) {
                        String client = NodeProcess.JSON.readTree(e.data()).get("client").asText();
                        synchronized (heard) {
                            heard.add(e.event() + " " + client);
                        }
                    }
                }
            } catch (IOException | UncheckedIOException closed) {
                // The stream ended (the test closed it); what was heard is kept.
            }
        }

        List<String> heard() {
            synchronized (heard) {
                return List.copyOf(heard);
            }
        }

        void reset() {
            synchronized (heard) {
                heard.clear();
            }
        }

    }

    /**
     * The answers with {@code since} and {@code sinceMillis} left out and each channel's clients
     * sorted by id: what a reconnected client's presence still has in common with its earlier one.
     */
    private static Map<String, JsonNode> withoutSince(Map<String, JsonNode> answers) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        answers.forEach((path, answer) -> {
            ObjectNode copy = answer.deepCopy();
            copy.remove(List.of("since", "sinceMillis"));
            JsonNode clients = copy.get("clients");
            if (clients != null) {
                List<JsonNode> sorted = new ArrayList<>();
                clients.forEach(c -> sorted.add(((ObjectNode) c.deepCopy()).remove(List.of("since", "sinceMillis"))));
                sorted.sort(Comparator.comparing(c -> c.get("client").asText()));
                copy.set("clients", NodeProcess.JSON.createArrayNode().addAll(sorted));
            }
            out.put(path, copy);
        });
        return out;
    }

    /** Every presence answer of {@link #PATHS}, as {@code node} gives them now; an unreachable node gives none. */
    private static Map<String, JsonNode> read(NodeProcess node) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (String path : PATHS) {
            try {
                out.put(path, NodeProcess.JSON.readTree(node.get(path).body()));
            } catch (IOException | RuntimeException e) {
                return Map.of();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Map.of();
            }
        }
        return out;
    }

    private static List<String> clients(NodeProcess node, String channel) {
        List<String> out = new ArrayList<>();
        JsonNode answer = read(node).get("/presence/channel/" + channel);
        if (answer != null) {
            answer.get("clients").forEach(c -> out.add(c.get("client").asText()));
        }
        return out;
    }
}
