package dev.halley.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TopicLogTest {

    private static final Topic ALICE = Topic.client("alice");
    private static final byte[] NAME = ALICE.name().getBytes(StandardCharsets.UTF_8);
    private static final String EPOCH = "e1";
    private static final long T0 = 1_700_000_000_000L;

    @Test
    void entriesWrittenAcrossTheRingsEndReadBackWhole() {
        TopicLog log = new TopicLog(NAME, 0);
        long seq = T0 * 1000;
        for (int i = 0; i < 9; i++) {
            log.append(seq + i, T0, json("message-%02d".formatted(i)), 100);
        }
        int capacity = log.capacityBytes();
        assertThat(log.consume(seq + 4)).isEqualTo(5);
        // Longer than the room left at the end of the array: the first one is split across it.
        for (int i = 9; i < 12; i++) {
            log.append(seq + i, T0, json("wrapped-message-%02d".formatted(i)), 100);
        }

        assertThat(log.capacityBytes()).as("the new entries reused the freed front: no growth").isEqualTo(capacity);
        assertThat(texts(log.after(0, ALICE, EPOCH))).containsExactly(
                "message-05", "message-06", "message-07", "message-08",
                "wrapped-message-09", "wrapped-message-10", "wrapped-message-11");
        assertThat(log.after(seq + 9, ALICE, EPOCH)).extracting(m -> m.id().seq()).containsExactly(seq + 10, seq + 11);
    }

    @Test
    void aCursorReadsTheSameMessagesBeforeAndAfterTheRingGrows() {
        TopicLog log = new TopicLog(NAME, 0);
        long seq = T0 * 1000;
        log.append(seq, T0, json("a"), 1000);
        log.append(seq + 7, T0, json("b"), 1000);
        List<Message> before = log.after(seq, ALICE, EPOCH);
        int capacity = log.capacityBytes();
        for (int i = 0; i < 200; i++) {
            log.append(seq + 1000 + i, T0 + 1, json("filler-" + i), 1000);
        }

        assertThat(log.capacityBytes()).isGreaterThan(capacity);
        List<Message> after = log.after(seq, ALICE, EPOCH);
        assertThat(after).hasSize(201);
        assertThat(after.get(0)).isEqualTo(before.get(0));
        assertThat(after.get(0)).isEqualTo(new Message(ALICE, new MessageId(EPOCH, seq + 7), T0, json("b")));
        assertThat(texts(after).get(200)).isEqualTo("filler-199");
        assertThat(log.newestSeq()).isEqualTo(seq + 1199);
    }

    @Test
    void theCapRemovesTheOldestAndRaisesTheGapFloor() {
        TopicLog log = new TopicLog(NAME, 5);
        long seq = T0 * 1000;
        int dropped = 0;
        for (int i = 0; i < 5; i++) {
            dropped += log.append(seq + i, T0, json("m" + i), 3);
        }

        assertThat(dropped).isEqualTo(2);
        assertThat(log.size()).isEqualTo(3);
        assertThat(log.removedUpTo()).as("the highest dropped seq: a cursor below it missed something").isEqualTo(seq + 1);
        assertThat(texts(log.after(0, ALICE, EPOCH))).containsExactly("m2", "m3", "m4");
    }

    @Test
    void expiryRemovesByPublishTimeAlsoWhenSeqRunsAheadOfTheClock() {
        TopicLog log = new TopicLog(NAME, 0);
        // More than 1000 messages in one millisecond push seq past the clock: the time is then not seq / 1000.
        log.append(T0 * 1000 + 2500, T0, json("early"), 100);
        log.append(T0 * 1000 + 2501, T0 + 1, json("ahead"), 100);
        log.append((T0 + 50) * 1000, T0 + 50, json("late"), 100);

        assertThat(log.after(0, ALICE, EPOCH)).extracting(Message::publishedAtMillis).containsExactly(T0, T0 + 1, T0 + 50);
        assertThat(log.expire(T0 - 1)).isZero();
        assertThat(log.expire(T0 + 1)).isEqualTo(2);
        assertThat(texts(log.after(0, ALICE, EPOCH))).containsExactly("late");
        assertThat(log.removedUpTo()).isEqualTo(T0 * 1000 + 2501);
        assertThat(log.expire(T0 + 50)).isEqualTo(1);
        assertThat(log.isEmpty()).isTrue();
        assertThat(log.capacityBytes()).as("an emptied log lets its ring go").isZero();
    }

    @Test
    void consumingMostOfALargeLogShrinksItsRing() {
        TopicLog log = new TopicLog(NAME, 0);
        long seq = T0 * 1000;
        for (int i = 0; i < 500; i++) {
            log.append(seq + i, T0, json("message-" + i), 1000);
        }
        int full = log.capacityBytes();
        assertThat(log.consume(seq + 489)).isEqualTo(490);

        assertThat(log.capacityBytes()).isLessThan(full / 4);
        assertThat(texts(log.after(seq + 494, ALICE, EPOCH))).containsExactly(
                "message-495", "message-496", "message-497", "message-498", "message-499");
    }

    @Test
    void aSeqThatDoesNotIncreaseIsRefused() {
        TopicLog log = new TopicLog(NAME, 0);
        log.append(10_000, 10, json("a"), 10);
        assertThatThrownBy(() -> log.append(10_000, 10, json("b"), 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("seq must increase");
    }

    /** Random appends (lengths 0-300, seq jumps up to days), expiries, consumes and reads against a plain deque. */
    @Test
    void behavesAsADequeOfMessagesUnderRandomOperations() {
        Random random = new Random(42);
        TopicLog log = new TopicLog(NAME, 0);
        ArrayDeque<Message> model = new ArrayDeque<>();
        long removedUpTo = 0;
        long now = T0;
        long seq = now * 1000;
        int maxMessages = 40;
        for (int step = 0; step < 20_000; step++) {
            int op = random.nextInt(10);
            if (op < 6) {
                now += random.nextInt(3) == 0 ? random.nextInt(200_000_000) : random.nextInt(3);
                seq = Math.max(seq + 1, now * 1000);
                byte[] bytes = new byte[random.nextInt(4) == 0 ? random.nextInt(300) : random.nextInt(30)];
                random.nextBytes(bytes);
                int dropped = log.append(seq, now, bytes, maxMessages);
                model.addLast(new Message(ALICE, new MessageId(EPOCH, seq), now, bytes.clone()));
                int expectedDrops = 0;
                while (model.size() > maxMessages) {
                    removedUpTo = Math.max(removedUpTo, model.removeFirst().id().seq());
                    expectedDrops++;
                }
                assertThat(dropped).isEqualTo(expectedDrops);
            } else if (op == 6 && !model.isEmpty()) {
                long cutoff = model.peekFirst().publishedAtMillis() + random.nextInt(300_000_000);
                int expired = 0;
                while (!model.isEmpty() && model.peekFirst().publishedAtMillis() <= cutoff) {
                    removedUpTo = Math.max(removedUpTo, model.removeFirst().id().seq());
                    expired++;
                }
                assertThat(log.expire(cutoff)).isEqualTo(expired);
            } else if (op == 7 && !model.isEmpty()) {
                long upTo = pick(random, model).id().seq();
                int consumed = 0;
                while (!model.isEmpty() && model.peekFirst().id().seq() <= upTo) {
                    removedUpTo = Math.max(removedUpTo, model.removeFirst().id().seq());
                    consumed++;
                }
                assertThat(log.consume(upTo)).isEqualTo(consumed);
            } else if (!model.isEmpty()) {
                long cursor = pick(random, model).id().seq() - random.nextInt(2);
                List<Message> expected = model.stream().filter(m -> m.id().seq() > cursor).toList();
                assertThat(log.after(cursor, ALICE, EPOCH)).as("step %d", step).isEqualTo(expected);
            }
            assertThat(log.size()).isEqualTo(model.size());
            assertThat(log.removedUpTo()).isEqualTo(removedUpTo);
            if (!model.isEmpty()) {
                assertThat(log.newestSeq()).isEqualTo(model.peekLast().id().seq());
            }
        }
        assertThat(log.after(0, ALICE, EPOCH)).isEqualTo(new ArrayList<>(model));
    }

    @Test
    void aReadCopiesTheBytesSoTheCallerCannotCorruptTheLog() {
        TopicLog log = new TopicLog(NAME, 0);
        log.append(T0 * 1000, T0, json("kept"), 10);
        byte[] read = log.after(0, ALICE, EPOCH).get(0).json();
        Arrays.fill(read, (byte) 'x');
        assertThat(texts(log.after(0, ALICE, EPOCH))).containsExactly("kept");
    }

    private static Message pick(Random random, ArrayDeque<Message> model) {
        return model.stream().skip(random.nextInt(model.size())).findFirst().orElseThrow();
    }

    private static byte[] json(String text) {
        return ("\"" + text + "\"").getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> texts(List<Message> messages) {
        return messages.stream().map(m -> {
            String s = m.jsonText();
            return s.substring(1, s.length() - 1);
        }).toList();
    }
}
