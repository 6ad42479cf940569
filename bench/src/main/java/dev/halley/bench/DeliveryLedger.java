package dev.halley.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Which messages this process's subscribers received, indexed by message number. Mailbox
 * scenarios keep one bit per message (every message has exactly one recipient); fanout keeps a
 * count and the latest arrival time per message, for the "last subscriber" latency. Written from
 * every client loop, hence atomics; sized once by the run's message bound.
 */
final class DeliveryLedger {

    private final int size;
    private final AtomicLongArray bits;
    private final AtomicIntegerArray counts;
    private final AtomicLongArray lastNanos;

    DeliveryLedger(int size, boolean fanout) {
        this.size = size;
        this.bits = fanout ? new AtomicLongArray(0) : new AtomicLongArray((size + 63) / 64);
        this.counts = fanout ? new AtomicIntegerArray(size) : new AtomicIntegerArray(0);
        this.lastNanos = fanout ? new AtomicLongArray(size) : new AtomicLongArray(0);
    }

    int size() {
        return size;
    }

    /** Mailbox scenarios: records a delivery; false when this message was already delivered here. */
    boolean markDelivered(int msgNo) {
        int word = msgNo >>> 6;
        long bit = 1L << (msgNo & 63);
        while (true) {
            long old = bits.get(word);
            if ((old & bit) != 0) {
                return false;
            }
            if (bits.compareAndSet(word, old, old | bit)) {
                return true;
            }
        }
    }

    /** Fanout: one more subscriber received {@code msgNo} at {@code nanos}. */
    void countDelivery(int msgNo, long nanos) {
        counts.incrementAndGet(msgNo);
        lastNanos.accumulateAndGet(msgNo, nanos, Math::max);
    }

    /** The delivered bits as base64 of little-endian longs (mailbox scenarios). */
    String bitsBase64() {
        ByteBuffer out = ByteBuffer.allocate(bits.length() * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < bits.length(); i++) {
            out.putLong(bits.get(i));
        }
        return Base64.getEncoder().encodeToString(out.array());
    }

    /** Any bit set in the same encoding as {@link #bitsBase64()}; {@link #decodeBits} reads both. */
    static String encodeBits(BitSet set) {
        long[] words = set.toLongArray();
        ByteBuffer out = ByteBuffer.allocate(words.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long w : words) {
            out.putLong(w);
        }
        return Base64.getEncoder().encodeToString(out.array());
    }

    static long[] decodeBits(String base64) {
        ByteBuffer in = ByteBuffer.wrap(Base64.getDecoder().decode(base64)).order(ByteOrder.LITTLE_ENDIAN);
        long[] words = new long[in.remaining() / 8];
        for (int i = 0; i < words.length; i++) {
            words[i] = in.getLong();
        }
        return words;
    }

    int[] counts(int messages) {
        int[] out = new int[Math.min(messages, counts.length())];
        for (int i = 0; i < out.length; i++) {
            out[i] = counts.get(i);
        }
        return out;
    }

    long[] lastNanos(int messages) {
        long[] out = new long[Math.min(messages, lastNanos.length())];
        for (int i = 0; i < out.length; i++) {
            out[i] = lastNanos.get(i);
        }
        return out;
    }
}
