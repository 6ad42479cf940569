package dev.halley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halley.testing.Eventually;
import dev.halley.testing.RedisProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

/**
 * A node dies (kill -9) while its clients receive; they reconnect to the other node with their
 * last id and, counted over every message, none is lost and none arrives twice.
 */
class FailoverTest {

    private static final int SSE_CLIENTS = 20;
    private static final int POLL_CLIENTS = 4;
    private static final int MESSAGES = 300;

    @Test
    void clientsOfAKilledNodeResumeOnAnotherWithNothingLostOrDuplicated() throws Exception {
        try (RedisProcess redis = new RedisProcess();
             NodeProcess a = new NodeProcess(redis.uri(), "--channel-history", "1000");
             NodeProcess b = new NodeProcess(redis.uri(), "--channel-history", "1000")) {
            AtomicBoolean aDead = new AtomicBoolean();
            long stopAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            String marker = b.publish("/pub/channel/feed", "start");
            List<ReconnectingSseClient> sse = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < SSE_CLIENTS; i++) {
                ReconnectingSseClient c = new ReconnectingSseClient("/sub/channel/feed", marker, () -> aDead.get() ? b.port() : a.port(), stopAt);
                sse.add(c);
                threads.add(new Thread(c, "sse-" + i));
            }
            List<PollClient> polls = new ArrayList<>();
            for (int i = 0; i < POLL_CLIENTS; i++) {
                String firstId = b.publish("/pub/client/lp-" + i, "start");
                PollClient p = new PollClient("lp-" + i, firstId, () -> aDead.get() ? b.port() : a.port(), stopAt);
                polls.add(p);
                threads.add(new Thread(p, "poll-" + i));
            }
            threads.forEach(Thread::start);
            Eventually.await("every SSE client is connected to A", () -> sse.stream().allMatch(ReconnectingSseClient::opened));

            for (int k = 0; k < MESSAGES; k++) {
                b.publish("/pub/channel/feed", "m" + k);
                for (int i = 0; i < POLL_CLIENTS; i++) {
                    b.publish("/pub/client/lp-" + i, "m" + k);
                }
                if (k == MESSAGES / 3) {
                    a.kill9();
                    aDead.set(true);
                }
                Thread.sleep(5);
            }

            Eventually.await("every client has every message",
                    () -> sse.stream().allMatch(c -> c.data.size() >= MESSAGES) && polls.stream().allMatch(p -> p.data.size() >= MESSAGES));
            Thread.sleep(500);
            for (ReconnectingSseClient c : sse) {
                c.stop();
            }
            polls.forEach(PollClient::stop);
            for (Thread t : threads) {
                t.join(10_000);
            }

            int lost = 0;
            int duplicated = 0;
            for (ReconnectingSseClient c : sse) {
                lost += lost(dataOf(c.data));
                duplicated += duplicated(dataOf(c.data));
                assertThat(c.reconnects()).as("an SSE client moved to B").isGreaterThanOrEqualTo(1);
                assertThat(c.gaps).isEmpty();
            }
            for (PollClient p : polls) {
                lost += lost(p.data);
                duplicated += duplicated(p.data);
            }
            assertThat(lost).as("messages lost").isZero();
            assertThat(duplicated).as("messages duplicated").isZero();
        }
    }

    private static List<String> dataOf(List<String> envelopes) throws IOException {
        List<String> out = new ArrayList<>();
        for (String e : envelopes) {
            out.add(NodeProcess.JSON.readTree(e).get("data").asText());
        }
        return out;
    }

    private static int lost(List<String> got) {
        Set<String> seen = new HashSet<>(got);
        int lost = 0;
        for (int k = 0; k < MESSAGES; k++) {
            if (!seen.contains("m" + k)) {
                lost++;
            }
        }
        return lost;
    }

    private static int duplicated(List<String> got) {
        return got.size() - new HashSet<>(got).size();
    }

    /** A long-poll client of one mailbox that keeps its cursor and moves node when its node is gone. */
    static final class PollClient implements Runnable {
        final List<String> data = new CopyOnWriteArrayList<>();
        private final String client;
        private final IntSupplier port;
        private final long stopAtNanos;
        private volatile boolean stopped;
        private String cursor;

        PollClient(String client, String cursor, IntSupplier port, long stopAtNanos) {
            this.client = client;
            this.cursor = cursor;
            this.port = port;
            this.stopAtNanos = stopAtNanos;
        }

        void stop() {
            stopped = true;
        }

        @Override
        public void run() {
            while (!stopped && System.nanoTime() < stopAtNanos) {
                try {
                    URI uri = URI.create("http://127.0.0.1:" + port.getAsInt() + "/sub/client/" + client + "?timeout=2s&since=" + cursor);
                    HttpResponse<String> r = NodeProcess.HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200) {
                        Thread.sleep(100);
                        continue;
                    }
                    JsonNode body = NodeProcess.JSON.readTree(r.body());
                    for (JsonNode m : body.get("messages")) {
                        data.add(m.get("data").asText());
                    }
                    cursor = body.get("cursor").asText();
                } catch (IOException e) {
                    sleepQuietly();
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private static void sleepQuietly() {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
