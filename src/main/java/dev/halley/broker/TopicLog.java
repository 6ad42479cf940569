package dev.halley.broker;

import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import java.util.ArrayList;
import java.util.List;

/**
 * The stored messages of one topic, oldest first, packed into one growable byte ring, and the
 * highest seq ever removed from it.
 *
 * <p>A million queued messages must fit in tens of megabytes, so a message is not kept as a
 * {@link Message} (record, id record, array: over 100 bytes before its payload) but as one entry
 * of bytes: the seq's distance from the previous entry's seq, the publish time's distance from
 * the time the seq stands for, the payload length (all three unsigned LEB128 varints), then the
 * payload. Seq follows the clock in microseconds ({@link LocalBroker#SEQ_PER_MILLI}), so the time
 * distance is almost always 0 and takes one byte; a 20-byte payload costs about 26 bytes in all.
 * Entries are materialised as {@link Message}s only when read, which is rare next to holding.
 * The ring wraps: an entry may be split across the array's end. It grows by half when full and
 * shrinks once mostly empty, so a drained mailbox gives its memory back before the sweep evicts it.
 *
 * <p>Confined to the topic's owning loop. {@code removedUpTo} is what makes a gap visible: a cursor
 * below it may have missed a removed message.
 */
final class TopicLog {

    private static final byte[] NO_BYTES = new byte[0];
    /** Below this capacity a ring is not shrunk: reallocating would save less than it costs. */
    private static final int SHRINK_FLOOR = 256;

    private byte[] ring = NO_BYTES;
    /** Index in {@code ring} of the oldest entry's first byte. */
    private int start;
    /** Bytes of {@code ring} holding entries, from {@code start}, wrapping at the end. */
    private int used;
    private int count;
    private long oldestSeq;
    private long newestSeq;
    private long removedUpTo;
    /** Index of the next byte to read; a scratch position for the decoding helpers. */
    private int readAt;

    TopicLog(long removedUpTo) {
        this.removedUpTo = removedUpTo;
    }

    /**
     * Appends a message and returns how many of the oldest messages were removed to keep at most
     * {@code maxMessages} (at least 1). {@code seq} must be above every seq appended before.
     */
    int append(long seq, long publishedAtMillis, byte[] json, int maxMessages) {
        if (count > 0 && seq <= newestSeq) {
            throw new IllegalArgumentException("seq must increase: " + seq + " after " + newestSeq);
        }
        int dropped = 0;
        while (count >= maxMessages) {
            removeOldest();
            dropped++;
        }
        // The oldest entry's seq is kept in a field, so its own distance is never read: 0 costs one byte.
        long seqDistance = count == 0 ? 0 : seq - newestSeq;
        long timeDistance = zigZag(seq / LocalBroker.SEQ_PER_MILLI - publishedAtMillis);
        int needed = varLength(seqDistance) + varLength(timeDistance) + varLength(json.length) + json.length;
        if (used + needed > ring.length) {
            resize(Math.max(used + needed, ring.length + (ring.length >> 1)));
        }
        int at = wrap(start + used);
        at = writeVar(at, seqDistance);
        at = writeVar(at, timeDistance);
        at = writeVar(at, json.length);
        int first = Math.min(json.length, ring.length - at);
        System.arraycopy(json, 0, ring, at, first);
        System.arraycopy(json, first, ring, 0, json.length - first);
        used += needed;
        if (count == 0) {
            oldestSeq = seq;
        }
        newestSeq = seq;
        count++;
        return dropped;
    }

    /** Removes messages stored at or before {@code cutoffMillis}; returns how many. */
    int expire(long cutoffMillis) {
        int expired = 0;
        while (count > 0 && oldestPublishedAtMillis() <= cutoffMillis) {
            removeOldest();
            expired++;
        }
        return expired;
    }

    /** Removes messages with seq at or below {@code seq}; returns how many. */
    int consume(long seq) {
        int consumed = 0;
        while (count > 0 && oldestSeq <= seq) {
            removeOldest();
            consumed++;
        }
        return consumed;
    }

    /** Messages with seq strictly above {@code seq}, oldest first, as {@code topic}'s messages of {@code epoch}. */
    List<Message> after(long seq, Topic topic, String epoch) {
        if (count == 0 || newestSeq <= seq) {
            return List.of();
        }
        List<Message> found = new ArrayList<>();
        readAt = start;
        long entrySeq = oldestSeq;
        for (int i = 0; i < count; i++) {
            long distance = readVar();
            if (i > 0) {
                entrySeq += distance;
            }
            long publishedAtMillis = entrySeq / LocalBroker.SEQ_PER_MILLI - unZigZag(readVar());
            int length = (int) readVar();
            if (entrySeq > seq) {
                byte[] json = new byte[length];
                int first = Math.min(length, ring.length - readAt);
                System.arraycopy(ring, readAt, json, 0, first);
                System.arraycopy(ring, 0, json, first, length - first);
                found.add(new Message(topic, new MessageId(epoch, entrySeq), publishedAtMillis, json));
            }
            readAt = wrap(readAt + length);
        }
        return found;
    }

    boolean isEmpty() {
        return count == 0;
    }

    int size() {
        return count;
    }

    long removedUpTo() {
        return removedUpTo;
    }

    /** The seq of the newest message held; meaningful only when not empty. */
    long newestSeq() {
        return newestSeq;
    }

    /** Bytes the ring has room for; what this log costs besides its own fields. */
    int capacityBytes() {
        return ring.length;
    }

    private long oldestPublishedAtMillis() {
        readAt = start;
        readVar();
        return oldestSeq / LocalBroker.SEQ_PER_MILLI - unZigZag(readVar());
    }

    private void removeOldest() {
        readAt = start;
        readVar();
        readVar();
        int length = (int) readVar();
        int next = wrap(readAt + length);
        int entryBytes = next >= start ? next - start : next + ring.length - start;
        removedUpTo = Math.max(removedUpTo, oldestSeq);
        count--;
        used -= entryBytes;
        start = next;
        if (count == 0) {
            ring = NO_BYTES;
            start = 0;
            used = 0;
            return;
        }
        readAt = start;
        oldestSeq += readVar();
        if (ring.length > SHRINK_FLOOR && used < ring.length >> 2) {
            resize(used << 1);
        }
    }

    /** Moves the entries into a new array of {@code capacity} bytes, unwrapped from index 0. */
    private void resize(int capacity) {
        byte[] bigger = new byte[capacity];
        int first = Math.min(used, ring.length - start);
        System.arraycopy(ring, start, bigger, 0, first);
        System.arraycopy(ring, 0, bigger, first, used - first);
        ring = bigger;
        start = 0;
    }

    private int wrap(int index) {
        return index >= ring.length ? index - ring.length : index;
    }

    private int writeVar(int at, long value) {
        long v = value;
        while ((v & ~0x7FL) != 0) {
            ring[at] = (byte) (v & 0x7F | 0x80);
            at = wrap(at + 1);
            v >>>= 7;
        }
        ring[at] = (byte) v;
        return wrap(at + 1);
    }

    private long readVar() {
        long value = 0;
        for (int shift = 0; ; shift += 7) {
            byte b = ring[readAt];
            readAt = wrap(readAt + 1);
            value |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return value;
            }
        }
    }

    private static int varLength(long value) {
        return value == 0 ? 1 : (63 - Long.numberOfLeadingZeros(value)) / 7 + 1;
    }

    private static long zigZag(long value) {
        return value << 1 ^ value >> 63;
    }

    private static long unZigZag(long value) {
        return value >>> 1 ^ -(value & 1);
    }
}
