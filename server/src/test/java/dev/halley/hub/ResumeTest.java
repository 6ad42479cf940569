package dev.halley.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halley.message.Backlog;
import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Subscribing with each kind of cursor: what the backlog holds, whether it reports a gap, and that
 * the next live message follows it exactly once.
 */
class ResumeTest {

    private static final Topic ALICE = Topic.client("alice");
    private static final Topic NEWS = Topic.channel("news");

    private final HubFixture f = new HubFixture();

    @AfterEach
    void stop() {
        f.close();
    }

    @Test
    void withoutACursorAMailboxYieldsEverythingItHoldsThenLiveMessages() {
        Message a1 = f.publish(ALICE, "a1");
        Message a2 = f.publish(ALICE, "a2");
        Recorder alice = subscribe(ALICE, null);
        Message a3 = f.publish(ALICE, "a3");
        f.settled(ALICE);

        assertThat(alice.events()).containsExactly(new Backlog(List.of(a1, a2), false, a2.id()), a3);
    }

    @Test
    void withoutACursorAChannelYieldsOnlyWhatIsPublishedLater() {
        Message n1 = f.publish(NEWS, "n1");
        Recorder reader = subscribe(NEWS, null);
        Message n2 = f.publish(NEWS, "n2");
        f.settled(NEWS);

        assertThat(reader.events()).containsExactly(Backlog.empty(n1.id()), n2);
    }

    @Test
    void aCursorOfThisEpochYieldsWhatFollowsItThenLiveMessages() {
        Message a1 = f.publish(ALICE, "a1");
        Message a2 = f.publish(ALICE, "a2");
        Message a3 = f.publish(ALICE, "a3");
        Recorder alice = subscribe(ALICE, a1.id());
        Message a4 = f.publish(ALICE, "a4");
        f.settled(ALICE);

        assertThat(alice.events()).containsExactly(new Backlog(List.of(a2, a3), false, a3.id()), a4);
    }

    @Test
    void theExactLastIdYieldsNothingOldAndTheNextMessageOnce() {
        f.publish(ALICE, "a1");
        Message a2 = f.publish(ALICE, "a2");
        Recorder alice = subscribe(ALICE, a2.id());
        Message a3 = f.publish(ALICE, "a3");
        f.settled(ALICE);

        assertThat(alice.events()).containsExactly(Backlog.empty(a2.id()), a3);
    }

    @Test
    void aCursorOfAnotherEpochIsAGapAndYieldsEverythingHeld() {
        Message a1 = f.publish(ALICE, "a1");
        Message a2 = f.publish(ALICE, "a2");
        // Cursors from before a restart: another epoch, with a seq this epoch has passed or not reached.
        Recorder passed = subscribe(ALICE, new MessageId("beforerestart", a1.id().seq()));
        Recorder ahead = subscribe(ALICE, new MessageId("beforerestart", a2.id().seq() + 1_000_000));
        Message a3 = f.publish(ALICE, "a3");
        f.settled(ALICE);

        for (Recorder alice : List.of(passed, ahead)) {
            assertThat(alice.events()).containsExactly(new Backlog(List.of(a1, a2), true, a2.id()), a3);
        }
    }

    @Test
    void aCursorOfThisEpochThatWasNeverHandedOutIsAGap() {
        Message a1 = f.publish(ALICE, "a1");
        Recorder alice = subscribe(ALICE, new MessageId(a1.id().epoch(), a1.id().seq() + 3_600_000_000L));
        f.settled(ALICE);

        assertThat(alice.events()).containsExactly(new Backlog(List.of(a1), true, a1.id()));
    }

    @Test
    void aCursorOlderThanTheCapIsAGapAndYieldsWhatIsLeft() {
        Message a1 = f.publish(ALICE, "a1");
        f.publish(ALICE, "a2 (dropped by the cap of 3)");
        Message a3 = f.publish(ALICE, "a3");
        Message a4 = f.publish(ALICE, "a4");
        Message a5 = f.publish(ALICE, "a5");
        Recorder alice = subscribe(ALICE, a1.id());
        Message a6 = f.publish(ALICE, "a6");
        f.settled(ALICE);

        assertThat(alice.events()).containsExactly(new Backlog(List.of(a3, a4, a5), true, a5.id()), a6);
    }

    @Test
    void aCursorOlderThanTheTimeToLiveIsAGap() {
        Message old = f.publish(ALICE, "old");
        f.clock.advance(Duration.ofSeconds(30));
        Message young = f.publish(ALICE, "young");
        f.clock.advance(Duration.ofSeconds(31));
        Recorder before = subscribe(ALICE, new MessageId(old.id().epoch(), old.id().seq() - 1));
        Recorder sawOld = subscribe(ALICE, old.id());
        f.settled(ALICE);

        assertThat(before.events()).containsExactly(new Backlog(List.of(young), true, young.id()));
        assertThat(sawOld.events()).as("the expired message was seen already").containsExactly(
                new Backlog(List.of(young), false, young.id()));
    }

    private Recorder subscribe(Topic topic, MessageId cursor) {
        Recorder r = new Recorder();
        f.hub.subscribe(topic, cursor, r);
        f.settled(topic);
        return r;
    }
}
