package dev.halley.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halley.loops.Shards;
import dev.halley.message.Backlog;
import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import dev.halley.testing.MutableClock;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.EventExecutor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LocalBrokerTest {

    private static final Topic ALICE = Topic.client("alice");
    private static final Topic NEWS = Topic.channel("news");

    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private final List<Message> heard = new CopyOnWriteArrayList<>();
    private DefaultEventExecutorGroup loops;
    private LocalBroker broker;

    @BeforeEach
    void start() {
        loops = new DefaultEventExecutorGroup(2);
        List<EventExecutor> list = new ArrayList<>();
        loops.forEach(list::add);
        BrokerOptions options = new BrokerOptions(new Retention(Duration.ofSeconds(60), 3),
                new Retention(Duration.ofMinutes(5), 2), Duration.ofMillis(10));
        broker = new LocalBroker(new Shards(list), options, clock);
        broker.start(new Broker.Listener() {
            @Override
            public void onMessage(Message message) {
                heard.add(message);
            }

            @Override
            public void onLive(Topic topic) {
                // Every topic is live from the start in the embedded broker.
            }
        });
    }

    @AfterEach
    void stop() {
        broker.close();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void idsIncreaseWithinTheBrokersEpochAndEveryStoredMessageIsHeard() {
        Message a = publish(ALICE, "1");
        Message b = publish(ALICE, "2");
        clock.advance(Duration.ofMillis(-5));
        Message c = publish(ALICE, "3");

        assertThat(List.of(a, b, c)).extracting(m -> m.id().epoch()).containsOnly(broker.epoch());
        assertThat(b.id().seq()).isGreaterThan(a.id().seq());
        assertThat(c.id().seq()).as("a clock stepping back never reuses or reorders ids").isGreaterThan(b.id().seq());
        assertThat(heard).containsExactly(a, b, c);
    }

    @Test
    void withoutCursorAMailboxYieldsAllItHoldsAndAChannelOnlyItsHead() {
        Message a = publish(ALICE, "a1");
        Message n = publish(NEWS, "n1");

        Backlog mailbox = since(ALICE, null);
        assertThat(mailbox.messages()).containsExactly(a);
        assertThat(mailbox.gap()).isFalse();

        Backlog channel = since(NEWS, null);
        assertThat(channel.messages()).isEmpty();
        assertThat(channel.cursor()).isEqualTo(n.id());
    }

    @Test
    void aCursorYieldsExactlyTheMessagesAfterIt() {
        Message a = publish(ALICE, "1");
        Message b = publish(ALICE, "2");
        Message c = publish(ALICE, "3");

        Backlog after = since(ALICE, a.id());
        assertThat(after.messages()).containsExactly(b, c);
        assertThat(after.gap()).isFalse();
        assertThat(after.cursor()).isEqualTo(c.id());
        assertThat(since(ALICE, c.id()).messages()).isEmpty();
        assertThat(since(ALICE, c.id()).cursor()).isEqualTo(c.id());
    }

    @Test
    void theCapDropsTheOldestAndACursorBeforeThemIsToldOfTheGap() {
        Message first = publish(ALICE, "1");
        publish(ALICE, "2");
        Message third = publish(ALICE, "3");
        publish(ALICE, "4");
        publish(ALICE, "5");

        Backlog fromFirst = since(ALICE, first.id());
        assertThat(fromFirst.gap()).as("message 2 was dropped by the cap of 3").isTrue();
        assertThat(fromFirst.messages()).extracting(Message::jsonText).containsExactly("\"3\"", "\"4\"", "\"5\"");

        Backlog fromThird = since(ALICE, third.id());
        assertThat(fromThird.gap()).isFalse();
        assertThat(fromThird.messages()).extracting(Message::jsonText).containsExactly("\"4\"", "\"5\"");
    }

    @Test
    void messagesExpireAfterTheirTimeToLiveAndTheReaderIsToldOfTheGap() {
        Message old = publish(ALICE, "old");
        clock.advance(Duration.ofSeconds(30));
        Message young = publish(ALICE, "young");
        clock.advance(Duration.ofSeconds(31));

        Backlog all = since(ALICE, null);
        assertThat(all.messages()).containsExactly(young);

        Backlog fromBefore = since(ALICE, new MessageId(broker.epoch(), old.id().seq() - 1));
        assertThat(fromBefore.gap()).isTrue();
        assertThat(fromBefore.messages()).containsExactly(young);
        assertThat(since(ALICE, old.id()).gap()).as("the reader saw the expired one").isFalse();

        clock.advance(Duration.ofSeconds(30));
        assertThat(since(ALICE, null).messages()).isEmpty();
        assertThat(stats().expiredMessages()).isEqualTo(2);
    }

    @Test
    void aCursorFromAnotherEpochIsAGapAndGetsEverythingHeld() {
        Message a = publish(ALICE, "1");
        Backlog b = since(ALICE, new MessageId("otherepoch", a.id().seq()));
        assertThat(b.gap()).isTrue();
        assertThat(b.messages()).containsExactly(a);
    }

    @Test
    void aTopicThatFellEmptyAndWasForgottenCannotVouchForOldCursors() {
        Message a = publish(ALICE, "1");
        clock.advance(Duration.ofSeconds(61));
        awaitSweptEmpty();

        Backlog b = since(ALICE, a.id());
        assertThat(b.gap()).isTrue();
        assertThat(b.messages()).isEmpty();

        Message later = publish(ALICE, "2");
        Backlog fromHead = since(ALICE, b.cursor());
        assertThat(fromHead.gap()).as("the head handed out after the gap is a clean cursor").isFalse();
        assertThat(fromHead.messages()).containsExactly(later);
    }

    @Test
    void aHeadCursorOfAnEmptyTopicPrecedesItsNextMessage() {
        MessageId head = since(NEWS, null).cursor();
        Message n = publish(NEWS, "first");
        Backlog b = since(NEWS, head);
        assertThat(b.gap()).isFalse();
        assertThat(b.messages()).containsExactly(n);
    }

    @Test
    void consumedMessagesAreRemoved() {
        Message a = publish(ALICE, "1");
        Message b = publish(ALICE, "2");
        Message c = publish(ALICE, "3");
        broker.consume(ALICE, b.id());
        assertThat(since(ALICE, null).messages()).containsExactly(c);
        assertThat(since(ALICE, a.id()).gap()).as("b was consumed by a cursorless reader").isTrue();
    }

    @Test
    void statsCountWhatIsHeld() {
        publish(ALICE, "1");
        publish(Topic.client("bob"), "1");
        publish(NEWS, "1");
        publish(NEWS, "2");
        publish(NEWS, "3");
        BrokerStats s = stats();
        assertThat(s.kind()).isEqualTo("local");
        assertThat(s.mailboxes()).isEqualTo(2);
        assertThat(s.channels()).isEqualTo(1);
        assertThat(s.queuedMessages()).isEqualTo(4);
        assertThat(s.droppedMessages()).isEqualTo(1);
    }

    @Test
    void theSweepForgetsConsumedMailboxesAndKeepsEveryOtherOneReadable() throws InterruptedException {
        List<Message> kept = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            Message m = publish(Topic.client("c" + i), "m" + i);
            if (i % 2 == 0) {
                broker.consume(m.topic(), m.id());
            } else {
                kept.add(m);
            }
        }
        // Sweeps run every 10ms: let several forget the 1,000 emptied logs, shifting the others in their tables.
        Thread.sleep(200);

        assertThat(stats().mailboxes()).isEqualTo(1_000);
        assertThat(stats().queuedMessages()).isEqualTo(1_000);
        for (Message m : kept) {
            assertThat(since(m.topic(), null).messages()).containsExactly(m);
        }
        assertThat(since(Topic.client("c0"), null).messages()).isEmpty();
    }

    private Message publish(Topic topic, String text) {
        byte[] json = ("\"" + text + "\"").getBytes(StandardCharsets.UTF_8);
        return broker.publish(topic, json).toCompletableFuture().join();
    }

    private Backlog since(Topic topic, MessageId cursor) {
        return broker.since(topic, cursor).toCompletableFuture().join();
    }

    private BrokerStats stats() {
        return broker.stats().toCompletableFuture().join();
    }

    /** The sweep runs every 10ms of real time and expires by the test's clock. */
    private void awaitSweptEmpty() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (stats().mailboxes() + stats().channels() > 0) {
            assertThat(System.nanoTime()).as("swept within 5s").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }
}
