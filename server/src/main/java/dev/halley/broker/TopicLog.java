package dev.halley.broker;

import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import java.util.ArrayList;
import java.util.List;

/**
 * The stored messages of one topic, oldest first, packed into one growable byte ring, the highest
 * seq ever removed from it, and the topic's name (its key in a {@link TopicTable}).
 *
 * <p>A million queued messages must fit in tens of megabytes, so a message is not kept as a
 * {@link Message} (record, id record, array: over 100 bytes before its payload) but as one entry
 * of bytes: the seq's distance from the previous entry's seq, the publish time's distance from
 * the time the seq stands for, the payload length (all three unsigned LEB128 varints), then the
 * payload. Seq follows the clock in microseconds ({@link LocalBroker#SEQ_PER_MILLI}), so the time
 * distance is almost always 0 and takes one byte; a 20-character text (22 bytes as JSON) costs
 * 25 to 28 bytes in all.
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
    /** The largest array the JVM reliably allocates. */
    private static final int MAX_RING_BYTES = Integer.MAX_VALUE - 8;

    private final byte[] name;
    private byte[] ring = NO_BYTES;
    /** Index in {@code ring} of the oldest entry's first byte. */
    private int start;
    /** Bytes of {@code ring} holding entries, from {@code start}, wrapping at the end. */
    private int used;
    private int count;
    private long oldestSeq;
    private long newestSeq;
    private long removedUpTo;

    /** @param name the topic's name in UTF-8, owned by this log from now on */
    TopicLog(byte[] name, long removedUpTo) {
        this.name = name;
        this.removedUpTo = removedUpTo;
    }

    byte[] name() {
        return name;
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
        if ((long) used + needed > ring.length) {
            long wanted = (long) used + needed;
            if (wanted > MAX_RING_BYTES) {
                throw new IllegalStateException("a topic holds at most " + MAX_RING_BYTES + " bytes, this one "
                        + used + " and the next message needs " + needed);
            }
            resize((int) Math.min(MAX_RING_BYTES, Math.max(wanted, ring.length + (long) (ring.length >> 1))));
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
        int at = start;
        long entrySeq = oldestSeq;
        for (int i = 0; i < count; i++) {
            long distance = readVar(at);
            at = wrap(at + varLength(distance));
            if (i > 0) {
                entrySeq += distance;
            }
            long timeDistance = readVar(at);
            at = wrap(at + varLength(timeDistance));
            long publishedAtMillis = entrySeq / LocalBroker.SEQ_PER_MILLI - unZigZag(timeDistance);
            int length = (int) readVar(at);
            at = wrap(at + varLength(length));
            if (entrySeq > seq) {
                byte[] json = new byte[length];
                int first = Math.min(length, ring.length - at);
                System.arraycopy(ring, at, json, 0, first);
                System.arraycopy(ring, 0, json, first, length - first);
                found.add(new Message(topic, new MessageId(epoch, entrySeq), publishedAtMillis, json));
            }
            at = wrap(at + length);
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
        int at = wrap(start + varLength(readVar(start)));
        return oldestSeq / LocalBroker.SEQ_PER_MILLI - unZigZag(readVar(at));
    }

    private void removeOldest() {
        int headerBytes = varLength(readVar(start));
        headerBytes += varLength(readVar(wrap(start + headerBytes)));
        long length = readVar(wrap(start + headerBytes));
        int entryBytes = headerBytes + varLength(length) + (int) length;
        int next = wrap(start + entryBytes);
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
        oldestSeq += readVar(start);
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

    /** The varint at {@code at}; it occupies {@link #varLength} of its value, as every varint is written minimally. */
    private long readVar(int at) {
        long value = 0;
        for (int shift = 0; ; shift += 7) {
            byte b = ring[at];
            at = wrap(at + 1);
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
