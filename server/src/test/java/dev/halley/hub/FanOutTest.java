package dev.halley.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halley.message.Message;
import dev.halley.message.Topic;
import io.netty.util.concurrent.EventExecutor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Fan-out to a topic's subscribers while some of them are removed by the very delivery being made:
 * a long-poll cancels itself once answered, and a connection that closes cancels all of its
 * subscriptions. Nobody still subscribed misses the message, and nobody gets it twice.
 */
class FanOutTest {

    private static final Topic NEWS = Topic.channel("news");
    private static final int SUBSCRIBERS = 5;

    private final HubFixture f = new HubFixture();
    private final List<Subscription> subscriptions = new ArrayList<>();
    private final List<Recorder> recorders = new ArrayList<>();

    @AfterEach
    void stop() {
        f.close();
    }

    @Test
    void everySubscriberThatCancelsItselfOnItsMessageStillGetsItOnce() {
        for (int i = 0; i < SUBSCRIBERS; i++) {
            int self = i;
            subscribe(m -> subscriptions.get(self).cancel());
        }
        Message m = f.publish(NEWS, "to all");
        f.settled(NEWS);

        for (Recorder r : recorders) {
            assertThat(r.live()).containsExactly(m);
        }
        assertThat(f.stats().subscriptions()).isZero();
        assertThat(f.stats().delivered()).isEqualTo(SUBSCRIBERS);
    }

    @Test
    void aSubscriberThatRemovesItselfAndOneNotYetReachedLeavesTheRestServedOnce() {
        // Subscribers sit in the order they subscribed; the last one is offered the message first.
        int last = SUBSCRIBERS - 1;
        for (int i = 0; i < last; i++) {
            subscribe(m -> { });
        }
        subscribe(m -> {
            subscriptions.get(last).cancel();
            subscriptions.get(0).cancel();
        });
        Message m = f.publish(NEWS, "to all");
        f.settled(NEWS);

        assertThat(recorders.get(0).live()).as("removed before it was reached").isEmpty();
        for (int i = 1; i <= last; i++) {
            assertThat(recorders.get(i).live()).as("subscriber %d", i).containsExactly(m);
        }
        assertThat(f.stats().subscriptions()).isEqualTo(SUBSCRIBERS - 2);
    }

    @Test
    void aSubscriberMovedIntoAnUnreachedSlotIsNotServedTwice() {
        // Removing subscriber 1 moves the last subscriber, already served, into slot 1, still to be reached.
        int last = SUBSCRIBERS - 1;
        for (int i = 0; i < last; i++) {
            subscribe(m -> { });
        }
        subscribe(m -> subscriptions.get(1).cancel());
        Message m = f.publish(NEWS, "to all");
        f.settled(NEWS);

        assertThat(recorders.get(1).live()).isEmpty();
        for (int i : new int[] {0, 2, 3, last}) {
            assertThat(recorders.get(i).live()).as("subscriber %d", i).containsExactly(m);
        }
        assertThat(f.stats().delivered()).isEqualTo(SUBSCRIBERS - 1);
        Message next = f.publish(NEWS, "next");
        f.settled(NEWS);
        assertThat(recorders.get(last).live()).containsExactly(m, next);
    }

    /**
     * A loop behind its fan-out still runs what was queued meanwhile (a publish to store, an
     * answer to send) after one slice, not after every message queued before it.
     */
    @Test
    void aLargeFanOutLetsTasksQueuedDuringItRunAfterOneSlice() {
        int subscribers = 2 * Hub.SLICE_OFFERS;
        int messages = 20;
        AtomicLong offered = new AtomicLong();
        AtomicLong offeredWhenTheProbeRan = new AtomicLong(-1);
        EventExecutor loop = f.shards.loopOf(NEWS);
        Consumer<Message> probeOnFirstOffer = m -> {
            if (offered.incrementAndGet() == 1) {
                loop.execute(() -> offeredWhenTheProbeRan.set(offered.get()));
            }
        };
        for (int i = 0; i < subscribers; i++) {
            subscribe(probeOnFirstOffer);
        }
        List<Message> published = new ArrayList<>();
        loop.submit(() -> {
            for (int i = 0; i < messages; i++) {
                published.add(f.hub.publish(NEWS, ("\"m" + i + "\"").getBytes(StandardCharsets.UTF_8))
                        .toCompletableFuture().join());
            }
        }).syncUninterruptibly();
        f.fannedOut(NEWS);

        assertThat(offeredWhenTheProbeRan.get()).as("offers made before a task queued during the first slice ran")
                .isEqualTo(subscribers);
        for (Recorder r : recorders) {
            assertThat(r.live()).containsExactlyElementsOf(published);
        }
        assertThat(f.stats().delivered()).isEqualTo((long) subscribers * messages);
        assertThat(f.stats().fanoutWaiting()).isZero();
    }

    private void subscribe(Consumer<Message> afterMessage) {
        Recorder r = new Recorder(afterMessage);
        recorders.add(r);
        subscriptions.add(f.hub.subscribe(NEWS, null, r));
        f.settled(NEWS);
    }
}
