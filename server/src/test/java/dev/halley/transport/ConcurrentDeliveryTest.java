package dev.halley.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halley.testing.SseClient;
import dev.halley.testing.TestServer;
import dev.halley.testing.WsClient;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Many clients on every loop and transport while several publishers write concurrently: every
 * subscriber must end with exactly the ids published to its topic, each once, in id order.
 */
class ConcurrentDeliveryTest {

    private static final int SSE_CLIENTS = 40;
    private static final int POLL_CLIENTS = 40;
    private static final int CHANNELS = 4;
    private static final int WS_PER_CHANNEL = 10;
    private static final int PUBLISHERS = 4;
    private static final int PUBLISHES_EACH = 200;

    @Test
    void nothingIsLostOrDuplicatedUnderConcurrentPublishAndSubscribe() throws Exception {
        try (TestServer s = TestServer.start()) {
            ExecutorService pool = Executors.newCachedThreadPool();
            try {
                Map<String, List<String>> published = new ConcurrentHashMap<>();
                List<SseClient> sse = new ArrayList<>();
                for (int i = 0; i < SSE_CLIENTS; i++) {
                    sse.add(SseClient.open(s.port(), "/sub/client/s" + i));
                }
                List<WsClient> ws = new ArrayList<>();
                for (int c = 0; c < CHANNELS; c++) {
                    for (int k = 0; k < WS_PER_CHANNEL; k++) {
                        ws.add(WsClient.open(s.port(), "/sub/channel/ch" + c));
                    }
                }
                s.awaitSubscriptions(SSE_CLIENTS + CHANNELS * WS_PER_CHANNEL);

                List<Future<?>> publishers = new ArrayList<>();
                for (int p = 0; p < PUBLISHERS; p++) {
                    Random random = new Random(p);
                    publishers.add(pool.submit(() -> {
                        for (int n = 0; n < PUBLISHES_EACH; n++) {
                            int pick = random.nextInt(SSE_CLIENTS + POLL_CLIENTS + CHANNELS);
                            String topic = pick < SSE_CLIENTS ? "client/s" + pick
                                    : pick < SSE_CLIENTS + POLL_CLIENTS ? "client/p" + (pick - SSE_CLIENTS)
                                    : "channel/ch" + (pick - SSE_CLIENTS - POLL_CLIENTS);
                            String id = s.publish(topic, topic + "#" + n);
                            published.computeIfAbsent(topic, t -> Collections.synchronizedList(new ArrayList<>())).add(id);
                        }
                        return null;
                    }));
                }
                AtomicBoolean publishing = new AtomicBoolean(true);
                List<Future<List<String>>> pollers = new ArrayList<>();
                for (int i = 0; i < POLL_CLIENTS; i++) {
                    String path = "/sub/client/p" + i;
                    pollers.add(pool.submit(() -> pollUntilQuiet(s, path, publishing)));
                }
                for (Future<?> f : publishers) {
                    f.get(60, TimeUnit.SECONDS);
                }
                publishing.set(false);

                for (int i = 0; i < SSE_CLIENTS; i++) {
                    List<String> expected = sorted(published.getOrDefault("client/s" + i, List.of()));
                    List<String> got = new ArrayList<>();
                    for (SseClient.Event e : sse.get(i).next(expected.size())) {
                        got.add(e.id());
                    }
                    assertThat(got).as("sse client s" + i).containsExactlyElementsOf(expected);
                    assertThat(sse.get(i).quietFor(50)).isTrue();
                }
                for (int i = 0; i < POLL_CLIENTS; i++) {
                    assertThat(pollers.get(i).get(60, TimeUnit.SECONDS)).as("long-poll client p" + i)
                            .containsExactlyElementsOf(sorted(published.getOrDefault("client/p" + i, List.of())));
                }
                for (int c = 0; c < CHANNELS; c++) {
                    List<String> expected = sorted(published.getOrDefault("channel/ch" + c, List.of()));
                    for (int k = 0; k < WS_PER_CHANNEL; k++) {
                        WsClient client = ws.get(c * WS_PER_CHANNEL + k);
                        List<String> got = new ArrayList<>();
                        for (int n = 0; n < expected.size(); n++) {
                            got.add(client.next().get("id").asText());
                        }
                        assertThat(got).as("ws on ch" + c).containsExactlyElementsOf(expected);
                        assertThat(client.quietFor(20)).isTrue();
                    }
                }
                JsonNode perLoop = TestServer.json(s.get("/status").body()).at("/connections/perLoop");
                assertThat(perLoop).as("connections landed on every loop").allSatisfy(n -> assertThat(n.asInt()).isPositive());
                sse.forEach(SseClient::close);
                ws.forEach(WsClient::close);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** Long-polls with the cursor until polls after the publishers finished come back empty. */
    private static List<String> pollUntilQuiet(TestServer s, String path, AtomicBoolean publishing) {
        List<String> ids = new ArrayList<>();
        String cursor = null;
        int emptyInARow = 0;
        for (int polls = 0; polls < 2000 && emptyInARow < 3; polls++) {
            JsonNode body = TestServer.json(s.get(path + "?timeout=300ms" + (cursor == null ? "" : "&since=" + cursor)).body());
            assertThat(body.get("gap").asBoolean()).isFalse();
            body.get("messages").forEach(m -> ids.add(m.get("id").asText()));
            emptyInARow = body.get("messages").isEmpty() && !publishing.get() ? emptyInARow + 1 : 0;
            cursor = body.get("cursor").asText();
        }
        return ids;
    }

    private static List<String> sorted(List<String> ids) {
        List<String> copy = new ArrayList<>(ids);
        copy.sort((a, b) -> Long.compare(seq(a), seq(b)));
        return copy;
    }

    private static long seq(String id) {
        return Long.parseLong(id.substring(id.lastIndexOf('-') + 1));
    }
}
