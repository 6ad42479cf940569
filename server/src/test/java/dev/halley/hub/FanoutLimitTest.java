package dev.halley.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.halley.message.Message;
import dev.halley.message.Topic;
import io.netty.util.concurrent.EventExecutor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fan-out limit: a loop with more deliveries waiting than its limit refuses publishes to its
 * topics, storing nothing, until its fan-out has caught up; what it accepted is all delivered.
 * Publishes made in one task on the owning loop are stored before any fan-out slice can run, so
 * the waiting deliveries grow by exactly each message's subscribers.
 */
class FanoutLimitTest {

    private static final Topic NEWS = Topic.channel("news");
    private static final int SUBSCRIBERS = 5;
    private static final int LIMIT = 10;

    private final HubFixture f = new HubFixture(LIMIT);
    private final List<Recorder> recorders = new ArrayList<>();

    @AfterEach
    void stop() {
        f.close();
    }

    @Test
    void publishesPastTheLimitAreRefusedUntilTheLoopHasCaughtUp() {
        subscribeAll();
        EventExecutor loop = f.shards.loopOf(NEWS);
        List<Message> stored = new ArrayList<>();
        List<Throwable> refused = new ArrayList<>();
        loop.submit(() -> {
            for (int i = 0; i < 4; i++) {
                f.hub.publish(NEWS, json("m" + i)).whenComplete((m, e) -> {
                    if (e != null) {
                        refused.add(e);
                    } else {
                        stored.add(m);
                    }
                });
            }
            assertThat(f.hub.fanoutBehind(NEWS)).isTrue();
        }).syncUninterruptibly();

        // 5, 10, 15 deliveries waiting: the third message takes the loop past 10, the fourth is refused.
        assertThat(stored).hasSize(3);
        assertThat(refused).singleElement().isInstanceOf(FanoutBehind.class);
        assertThat(refused.get(0).getMessage()).startsWith("fan-out behind").contains("10 deliveries waiting");
        f.fannedOut(NEWS);
        assertThat(f.hub.fanoutBehind(NEWS)).isFalse();
        for (Recorder r : recorders) {
            assertThat(r.live()).containsExactlyElementsOf(stored);
        }
        assertThat(f.stats().published()).isEqualTo(3);

        Message after = f.publish(NEWS, "after");
        f.fannedOut(NEWS);
        for (Recorder r : recorders) {
            assertThat(r.live()).endsWith(after);
        }
    }

    @Test
    void aBatchIsStoredWholeThoughItsOwnEntriesTakeTheLoopPastItsLimit() {
        subscribeAll();
        EventExecutor loop = f.shards.loopOf(NEWS);
        List<Message> stored = new ArrayList<>();
        loop.submit(() -> {
            List<Hub.Publication> batch = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                batch.add(new Hub.Publication(NEWS, json("m" + i)));
            }
            stored.addAll(f.hub.publishAll(batch).toCompletableFuture().join());
            assertThat(f.hub.fanoutBehind(NEWS)).isTrue();
            assertThatThrownBy(() -> f.hub.publish(NEWS, json("refused")).toCompletableFuture().join())
                    .isInstanceOf(CompletionException.class).hasCauseInstanceOf(FanoutBehind.class);
            assertThatThrownBy(() -> f.hub.publishAll(List.of(new Hub.Publication(NEWS, json("refused too"))))
                    .toCompletableFuture().join())
                    .isInstanceOf(CompletionException.class).hasCauseInstanceOf(FanoutBehind.class);
        }).syncUninterruptibly();

        assertThat(stored).hasSize(4);
        f.fannedOut(NEWS);
        for (Recorder r : recorders) {
            assertThat(r.live()).containsExactlyElementsOf(stored);
        }
        assertThat(f.stats().published()).isEqualTo(4);
    }

    private void subscribeAll() {
        for (int i = 0; i < SUBSCRIBERS; i++) {
            Recorder r = new Recorder();
            recorders.add(r);
            f.hub.subscribe(NEWS, null, r);
        }
        f.settled(NEWS);
    }

    private static byte[] json(String text) {
        return ("\"" + text + "\"").getBytes(StandardCharsets.UTF_8);
    }
}
