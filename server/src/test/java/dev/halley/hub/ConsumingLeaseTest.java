package dev.halley.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halley.message.Message;
import dev.halley.message.Topic;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Leases of cursorless readers ({@code /{id}.js}): what one reader was handed is nobody else's
 * until its answer settles; written, it is gone; not written, the next reader gets it again.
 */
class ConsumingLeaseTest {

    private static final Topic MAILBOX = Topic.client("megacomet");

    private final HubFixture f = new HubFixture();

    @AfterEach
    void stop() {
        f.close();
    }

    @Test
    void aMessageHandedToOneWaitingReaderIsSkippedByTheOthers() {
        ConsumingReader first = ConsumingReader.start(f.hub, MAILBOX);
        ConsumingReader second = ConsumingReader.start(f.hub, MAILBOX);
        f.settled(MAILBOX);
        Message m1 = f.publish(MAILBOX, "m1");
        f.settled(MAILBOX);

        ConsumingReader took = first.answer() != null ? first : second;
        ConsumingReader other = took == first ? second : first;
        assertThat(took.answer()).containsExactly(m1);
        assertThat(other.answer()).as("the other reader skips the leased message").isNull();

        Message m2 = f.publish(MAILBOX, "m2");
        f.settled(MAILBOX);
        assertThat(other.answer()).containsExactly(m2);
    }

    @Test
    void aReaderArrivingWhileAnAnswerIsUnsettledStartsAfterIt() {
        Message m1 = f.publish(MAILBOX, "m1");
        Message m2 = f.publish(MAILBOX, "m2");
        ConsumingReader first = ConsumingReader.start(f.hub, MAILBOX);
        f.settled(MAILBOX);
        assertThat(first.answer()).containsExactly(m1, m2);

        ConsumingReader quickRepoll = ConsumingReader.start(f.hub, MAILBOX);
        f.settled(MAILBOX);
        assertThat(quickRepoll.answer()).as("m1 and m2 are in flight to the first reader").isNull();
        Message m3 = f.publish(MAILBOX, "m3");
        f.settled(MAILBOX);
        assertThat(quickRepoll.answer()).containsExactly(m3);
    }

    @Test
    void anAnswerThatWasNotWrittenIsHandedOutAgainEvenWhileAnotherReaderWaits() {
        Message m1 = f.publish(MAILBOX, "m1");
        Message m2 = f.publish(MAILBOX, "m2");
        ConsumingReader first = ConsumingReader.start(f.hub, MAILBOX);
        ConsumingReader waiting = ConsumingReader.start(f.hub, MAILBOX);
        f.settled(MAILBOX);
        f.hub.settle(MAILBOX, first.answeredUpTo(), false);

        ConsumingReader next = ConsumingReader.start(f.hub, MAILBOX);
        f.settled(MAILBOX);
        assertThat(waiting.answer()).as("it started after the lease and waits for new messages").isNull();
        assertThat(next.answer()).containsExactly(m1, m2);
    }

    @Test
    void aBacklogReadBeforeAnotherReaderWasHandedItSkipsWhatThatReaderTook() {
        HeldBacklogBroker[] broker = new HeldBacklogBroker[1];
        try (HubFixture held = new HubFixture(store -> broker[0] = new HeldBacklogBroker(store, HeldBacklogBroker.ReadAt.REQUEST))) {
            Message m1 = held.publish(MAILBOX, "m1");
            Message m2 = held.publish(MAILBOX, "m2");
            ConsumingReader first = ConsumingReader.start(held.hub, MAILBOX);
            ConsumingReader second = ConsumingReader.start(held.hub, MAILBOX);
            held.settled(MAILBOX);
            broker[0].releaseNext();
            held.settled(MAILBOX);
            assertThat(first.answer()).containsExactly(m1, m2);

            broker[0].releaseNext();
            held.settled(MAILBOX);
            assertThat(second.answer()).as("its backlog holds m1 and m2, which are in flight to the first reader").isNull();
            Message m3 = held.publish(MAILBOX, "m3");
            held.settled(MAILBOX);
            assertThat(second.answer()).containsExactly(m3);
        }
    }

    @Test
    void aLiveMessageHeldForTwoLateBacklogsGoesToOneReader() {
        HeldBacklogBroker[] broker = new HeldBacklogBroker[1];
        try (HubFixture held = new HubFixture(store -> broker[0] = new HeldBacklogBroker(store, HeldBacklogBroker.ReadAt.REQUEST))) {
            ConsumingReader first = ConsumingReader.start(held.hub, MAILBOX);
            ConsumingReader second = ConsumingReader.start(held.hub, MAILBOX);
            held.settled(MAILBOX);
            Message m1 = held.publish(MAILBOX, "m1");
            held.settled(MAILBOX);
            broker[0].releaseNext();
            held.settled(MAILBOX);
            broker[0].releaseNext();
            held.settled(MAILBOX);

            assertThat(first.answer()).containsExactly(m1);
            assertThat(second.answer()).as("m1 is in flight to the first reader").isNull();
        }
    }

    @Test
    void aWrittenAnswerIsConsumedForGood() {
        f.publish(MAILBOX, "m1");
        f.publish(MAILBOX, "m2");
        ConsumingReader first = ConsumingReader.start(f.hub, MAILBOX);
        f.settled(MAILBOX);
        f.hub.settle(MAILBOX, first.answeredUpTo(), true);

        ConsumingReader next = ConsumingReader.start(f.hub, MAILBOX);
        f.settled(MAILBOX);
        assertThat(next.answer()).isNull();
        assertThat(f.store.since(MAILBOX, null).toCompletableFuture().join().messages()).isEmpty();
    }

    @Test
    void aLiveDeliveryQueuedBeforeTheHandOverSkipsTheMessageAfterItsAnswerSettled() {
        ConsumingReader waiting = ConsumingReader.start(f.hub, MAILBOX);
        f.settled(MAILBOX);
        HubFixture.Gate gate = f.holdLoopOf(MAILBOX);
        // On the parked loop, in order: m1 is stored (its live delivery is queued last), a new
        // reader gets m1 from its backlog and its answer is written and settled at once, and only
        // then does the live delivery offer m1 to the reader that was waiting all along.
        f.hub.publish(MAILBOX, "\"m1\"".getBytes(StandardCharsets.UTF_8));
        ConsumingReader fast = ConsumingReader.start(f.hub, MAILBOX, true);
        gate.open();
        f.settled(MAILBOX);
        f.settled(MAILBOX);

        assertThat(fast.answer()).extracting(Message::jsonText).containsExactly("\"m1\"");
        assertThat(waiting.answer()).as("m1 was the fast reader's and is consumed").isNull();
        Message m2 = f.publish(MAILBOX, "m2");
        f.settled(MAILBOX);
        assertThat(waiting.answer()).isEqualTo(List.of(m2));
    }
}
