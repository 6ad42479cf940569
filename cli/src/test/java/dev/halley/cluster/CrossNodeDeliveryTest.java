package dev.halley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halley.testing.Eventually;
import dev.halley.testing.RedisProcess;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two nodes sharing one real Redis: what is published on one reaches every transport on the other. */
class CrossNodeDeliveryTest {

    private static RedisProcess redis;
    private static NodeProcess a;
    private static NodeProcess b;

    @BeforeAll
    static void startCluster() throws Exception {
        redis = new RedisProcess();
        a = new NodeProcess(redis.uri());
        b = new NodeProcess(redis.uri());
    }

    @AfterAll
    static void stopCluster() throws Exception {
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
    void publishOnOneNodeReachesSseWebSocketAndLongPollOnTheOther() throws Exception {
        // Subscribing from a cursor makes the test independent of when each subscription registers.
        String marker = b.publish("/pub/channel/news", "marker");
        ReconnectingSseClient sse = new ReconnectingSseClient("/sub/channel/news?since=" + marker, null, a::port, System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
        Thread sseThread = new Thread(sse, "sse-client");
        sseThread.start();
        List<String> wsFrames = new CopyOnWriteArrayList<>();
        WebSocket ws = NodeProcess.HTTP.newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + a.port() + "/sub/channel/news?since=" + marker), collector(wsFrames))
                .get(10, TimeUnit.SECONDS);
        CompletableFuture<HttpResponse<String>> poll = NodeProcess.HTTP.sendAsync(
                HttpRequest.newBuilder(URI.create(a.url("/sub/client/alice?timeout=20s"))).build(),
                HttpResponse.BodyHandlers.ofString());
        Eventually.await("the SSE stream opens", sse::opened);

        String channelId = b.publish("/pub/channel/news", "hello from b");
        b.publish("/pub/client/alice", "hi alice");

        HttpResponse<String> answer = poll.get(20, TimeUnit.SECONDS);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(NodeProcess.JSON.readTree(answer.body()).get("messages").get(0).get("data").asText()).isEqualTo("hi alice");
        Eventually.await("SSE on A gets the channel message", () -> sse.data.stream().anyMatch(d -> d.contains("hello from b")));
        Eventually.await("WebSocket on A gets the channel message", () -> wsFrames.stream().anyMatch(d -> d.contains("hello from b")));
        assertThat(sse.data).hasSize(1).first().asString().contains(channelId);
        assertThat(sse.gaps).isEmpty();
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "done");
        sse.stop();
        sseThread.join(5000);
    }

    @Test
    void aClientResumingOnAnotherNodeGetsExactlyWhatFollowsItsCursor() throws Exception {
        String first = a.publish("/pub/client/carol", "one");
        a.publish("/pub/client/carol", "two");
        a.publish("/pub/client/carol", "three");
        HttpResponse<String> resumed = b.get("/sub/client/carol?timeout=1s&since=" + first);
        var body = NodeProcess.JSON.readTree(resumed.body());
        assertThat(body.get("gap").asBoolean()).isFalse();
        assertThat(body.get("messages")).extracting(m -> m.get("data").asText()).containsExactly("two", "three");
    }

    @Test
    void bothNodesSeeEachOtherInTheirClusterView() throws Exception {
        Eventually.await("each node lists both", () -> nodesSeen(a) == 2 && nodesSeen(b) == 2);
        assertThat(a.status().get("broker").get("kind").asText()).isEqualTo("redis");
        assertThat(a.status().get("broker").get("state").asText()).isEqualTo("ok");
    }

    @Test
    void clusterStatusCommandListsTheLiveNodes() throws Exception {
        Eventually.await("each node lists both", () -> nodesSeen(a) == 2);
        Process status = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.halley.cli.Halley", "cluster", "status",
                "--broker", redis.uri()).redirectErrorStream(true).start();
        String out = new String(status.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(status.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(status.exitValue()).as(out).isZero();
        assertThat(out).contains("127.0.0.1:" + a.port()).contains("127.0.0.1:" + b.port()).contains("2 node(s)");
    }

    private static int nodesSeen(NodeProcess node) {
        try {
            return node.status().get("cluster").get("nodes").size();
        } catch (Exception e) {
            return -1;
        }
    }

    static WebSocket.Listener collector(List<String> frames) {
        return new WebSocket.Listener() {
            private final StringBuilder partial = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    frames.add(partial.toString());
                    partial.setLength(0);
                }
                webSocket.request(1);
                return null;
            }
        };
    }
}
