package dev.halley.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halley.message.Backlog;
import dev.halley.message.Message;
import dev.halley.message.Topic;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The seam between a subscription's backlog and its live messages: whatever the order in which the
 * store, the backlog read and the live delivery happen, every message arrives once, in id order,
 * and none before the backlog.
 */
class BacklogSeamTest {

    private static final Topic ALICE = Topic.client("alice");

    @Test
    void aMessageStoredJustBeforeTheBacklogIsReadButDeliveredLiveAfterItArrivesOnce() {
        try (HubFixture f = new HubFixture()) {
            Recorder alice = new Recorder();
            HubFixture.Gate gate = f.holdLoopOf(ALICE);
            // Queued in this order on the parked loop: the store queues the live delivery behind
            // the subscription, so the backlog already holds the message the delivery then offers.
            CompletableFuture<Message> stored = f.hub.publish(ALICE, "\"a1\"".getBytes(StandardCharsets.UTF_8)).toCompletableFuture();
            f.hub.subscribe(ALICE, null, alice);
            gate.open();
            Message a1 = stored.join();
            f.settled(ALICE);
            Message a2 = f.publish(ALICE, "a2");
            f.settled(ALICE);

            assertThat(alice.events()).containsExactly(new Backlog(List.of(a1), false, a1.id()), a2);
        }
    }

    @Test
    void liveMessagesThatArriveWhileTheBacklogIsOnItsWayWaitForItAndFollowIt() {
        HeldBacklogBroker[] broker = new HeldBacklogBroker[1];
        try (HubFixture f = new HubFixture(store -> broker[0] = new HeldBacklogBroker(store, HeldBacklogBroker.ReadAt.REQUEST))) {
            Message a1 = f.publish(ALICE, "a1");
            Recorder alice = new Recorder();
            f.hub.subscribe(ALICE, null, alice);
            Message a2 = f.publish(ALICE, "a2");
            f.settled(ALICE);
            assertThat(alice.events()).as("nothing is delivered before the backlog").isEmpty();

            broker[0].releaseNext();
            f.settled(ALICE);
            Message a3 = f.publish(ALICE, "a3");
            f.settled(ALICE);

            assertThat(alice.events()).containsExactly(new Backlog(List.of(a1), false, a1.id()), a2, a3);
        }
    }

    @Test
    void aLiveMessageThatTheLateBacklogAlsoHoldsIsDeliveredOnce() {
        HeldBacklogBroker[] broker = new HeldBacklogBroker[1];
        try (HubFixture f = new HubFixture(store -> broker[0] = new HeldBacklogBroker(store, HeldBacklogBroker.ReadAt.RELEASE))) {
            Message a1 = f.publish(ALICE, "a1");
            Recorder alice = new Recorder();
            f.hub.subscribe(ALICE, null, alice);
            Message a2 = f.publish(ALICE, "a2");
            f.settled(ALICE);

            broker[0].releaseNext();
            f.settled(ALICE);
            Message a3 = f.publish(ALICE, "a3");
            f.settled(ALICE);

            assertThat(alice.events()).containsExactly(new Backlog(List.of(a1, a2), false, a2.id()), a3);
            assertThat(f.stats().delivered()).as("the held copy of a2 is not counted as delivered").isEqualTo(1);
        }
    }

    @Test
    void aBacklogThatCannotBeReadEndsTheSubscriptionOnceAndNothingFollows() {
        HeldBacklogBroker[] broker = new HeldBacklogBroker[1];
        try (HubFixture f = new HubFixture(store -> broker[0] = new HeldBacklogBroker(store, HeldBacklogBroker.ReadAt.REQUEST))) {
            Recorder alice = new Recorder();
            f.hub.subscribe(ALICE, null, alice);
            f.publish(ALICE, "held while the read fails");
            RuntimeException unreachable = new IllegalStateException("store unreachable");
            broker[0].failNext(unreachable);
            f.settled(ALICE);
            f.publish(ALICE, "after the failure");
            f.settled(ALICE);

            assertThat(alice.events()).containsExactly(unreachable);
            assertThat(f.stats().subscriptions()).isZero();
        }
    }
}
