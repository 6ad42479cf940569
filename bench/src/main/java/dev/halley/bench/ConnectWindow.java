package dev.halley.bench;

/**
 * How many connections of one bench process may be opening at once (connected or connecting, not
 * yet subscribed), so the connect rate follows what the servers can take instead of what was
 * asked: TCP's congestion window applied to connects. It starts at {@link #INITIAL}, doubles per
 * window of subscribes (slow start) until the first failure, then grows by one per window of
 * subscribes and halves on every failure, never past {@code max} nor below one.
 *
 * <p>Why this converges: with at most {@code w} connects in flight and a subscribe taking
 * {@code L} seconds, a process opens at most {@code w / L} a second; when the servers fall behind
 * (accept queues fill, subscribe latency climbs) the rate falls with them instead of piling more
 * connects into queues that end in timeouts and resets, and a failure (a reset from an
 * overflowed accept queue, a timeout) halves it.
 *
 * <p>Threading: called from every event loop of the pool, so each method is synchronized; it is
 * a few arithmetic operations per connect.
 */
final class ConnectWindow {

    /** Connects in flight before the first subscribe answered. */
    static final int INITIAL = 4;

    private final int max;
    private double size;
    private int pending;
    private boolean slowStart = true;
    private long failures;

    /** @param max the most connects in flight, 1 to 1,000,000 */
    ConnectWindow(int max) {
        if (max < 1 || max > 1_000_000) {
            throw new IllegalArgumentException("--max-pending must be between 1 and 1000000, got " + max);
        }
        this.max = max;
        this.size = Math.min(INITIAL, max);
    }

    /** Takes a place for one more connect if the window has one. */
    synchronized boolean tryOpen() {
        if (pending >= (int) size) {
            return false;
        }
        pending++;
        return true;
    }

    /** A connect in flight subscribed: the window grows. */
    synchronized void subscribed() {
        release();
        size = Math.min(max, size + (slowStart ? 1 : 1 / size));
    }

    /** A connect in flight failed (timeout, reset, refused): the window halves. */
    synchronized void failed() {
        release();
        failures++;
        slowStart = false;
        size = Math.max(1, size / 2);
    }

    synchronized int size() {
        return (int) size;
    }

    synchronized int pending() {
        return pending;
    }

    synchronized long failures() {
        return failures;
    }

    private void release() {
        if (pending == 0) {
            throw new IllegalStateException("a connect left the window without having entered it");
        }
        pending--;
    }
}
