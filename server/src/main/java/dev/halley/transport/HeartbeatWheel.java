package dev.halley.transport;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * One timer per event loop for the heartbeats of all its streams, instead of a scheduled task per
 * stream: an idle connection then costs a slot in an array rather than a timer object in the
 * loop's queue.
 *
 * <p>The period is cut into {@value #SLOTS} ticks; a stream joins the slot just served, so it first
 * beats one period after it joined, and streams that joined at different times beat at different
 * ticks rather than all at once. Confined to its loop: streams join and leave on their channel's
 * loop, which is the wheel's.
 */
final class HeartbeatWheel {

    /**
     * What beats: writes its heartbeat, or closes a peer that stopped answering. It keeps its
     * place on the wheel in one int field of its own (so joining allocates nothing):
     * {@code -1} off the wheel, else {@code index * SLOTS + slot}.
     */
    interface Stream {
        /** Called on the stream's loop once per period while it is on the wheel. */
        void beat();

        int wheelPosition();

        void wheelPosition(int position);
    }

    private static final int SLOTS = 8;
    private static final FastThreadLocal<HeartbeatWheel> WHEELS = new FastThreadLocal<>();

    private final Stream[][] slots = new Stream[SLOTS][];
    private final int[] sizes = new int[SLOTS];
    private int current;

    private HeartbeatWheel(EventLoop loop, Duration period) {
        for (int i = 0; i < SLOTS; i++) {
            slots[i] = new Stream[4];
        }
        long tickNanos = Math.max(1, period.toNanos() / SLOTS);
        loop.scheduleAtFixedRate(this::tick, tickNanos, tickNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Puts {@code stream} on the wheel of {@code loop}, which must be the caller's loop. The first
     * stream on a loop starts its wheel with {@code period}; a node gives all its loops the same.
     */
    static void join(EventLoop loop, Duration period, Stream stream) {
        if (!loop.inEventLoop()) {
            throw new IllegalStateException("a stream joins the heartbeat wheel on its own loop");
        }
        HeartbeatWheel wheel = WHEELS.get();
        if (wheel == null) {
            wheel = new HeartbeatWheel(loop, period);
            WHEELS.set(wheel);
        }
        wheel.add(stream);
    }

    /** Takes {@code stream} off its loop's wheel, if it is on one. Called on the stream's loop. */
    static void leave(Stream stream) {
        HeartbeatWheel wheel = WHEELS.getIfExists();
        if (wheel != null && stream.wheelPosition() >= 0) {
            wheel.remove(stream);
        }
    }

    private void add(Stream stream) {
        int slot = current;
        if (sizes[slot] == slots[slot].length) {
            slots[slot] = Arrays.copyOf(slots[slot], sizes[slot] * 2);
        }
        stream.wheelPosition(sizes[slot] * SLOTS + slot);
        slots[slot][sizes[slot]++] = stream;
    }

    /** Swap-removal: the slot's last stream takes the hole, so leaving costs O(1). */
    private void remove(Stream stream) {
        int slot = stream.wheelPosition() % SLOTS;
        int index = stream.wheelPosition() / SLOTS;
        Stream[] members = slots[slot];
        int last = --sizes[slot];
        Stream moved = members[last];
        members[index] = moved;
        moved.wheelPosition(index * SLOTS + slot);
        members[last] = null;
        stream.wheelPosition(-1);
    }

    private void tick() {
        current = (current + 1) % SLOTS;
        Stream[] members = slots[current];
        // From the end: a beat may close its stream, which leaves by swapping the last one in.
        for (int i = sizes[current] - 1; i >= 0; i--) {
            if (i < sizes[current]) {
                members[i].beat();
            }
        }
    }
}
