package dev.halley.bench.accept;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the accepting threads did, one slot per loop so that no two threads share a counter.
 *
 * <p>A wake-up is one return from waiting on a listening socket: a selector that reported it
 * acceptable, a Netty read batch on a listening channel, or a blocking accept() returning. An empty
 * wake-up accepted nothing: another thread had taken the connection first.
 */
final class AcceptCounters {

    // Slots are 8 longs apart so each loop's three counters sit on their own cache line.
    private static final int STRIDE = 8;

    private final int loops;
    private final AtomicLongArray slots;

    AcceptCounters(int loops) {
        this.loops = loops;
        this.slots = new AtomicLongArray(loops * STRIDE);
    }

    int loops() {
        return loops;
    }

    void accepted(int loop) {
        slots.incrementAndGet(loop * STRIDE);
    }

    /** Records one wake-up of {@code loop} that accepted {@code connections}. */
    void wokeUp(int loop, int connections) {
        slots.incrementAndGet(loop * STRIDE + 1);
        if (connections == 0) {
            slots.incrementAndGet(loop * STRIDE + 2);
        }
    }

    long accepted() {
        return sum(0);
    }

    long wakeups() {
        return sum(1);
    }

    long emptyWakeups() {
        return sum(2);
    }

    /** Connections accepted by (or, after a hand-off, given to) each loop. */
    long[] perLoop() {
        long[] out = new long[loops];
        for (int i = 0; i < loops; i++) {
            out[i] = slots.get(i * STRIDE);
        }
        return out;
    }

    /** What was counted up to now; {@link Counts#minus} gives what a measured interval added. */
    Counts counts() {
        long[] perLoop = perLoop();
        return new Counts(sum(0), sum(1), sum(2), Arrays.stream(perLoop).boxed().toList());
    }

    /** A copy of the counters at one moment. */
    record Counts(long accepted, long wakeups, long emptyWakeups, List<Long> perLoop) {

        Counts minus(Counts before) {
            List<Long> loops = new ArrayList<>();
            for (int i = 0; i < perLoop.size(); i++) {
                loops.add(perLoop.get(i) - before.perLoop.get(i));
            }
            return new Counts(accepted - before.accepted, wakeups - before.wakeups, emptyWakeups - before.emptyWakeups, loops);
        }
    }

    private long sum(int offset) {
        long total = 0;
        for (int i = 0; i < loops; i++) {
            total += slots.get(i * STRIDE + offset);
        }
        return total;
    }
}
