package dev.halley.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition that other processes or loops make true, with a bound and a reason. */
public final class Eventually {

    private Eventually() {
    }

    /** Polls {@code condition} every 50 ms for up to 20 s; fails naming {@code what} when it never held. */
    public static void await(String what, BooleanSupplier condition) throws InterruptedException {
        await(what, Duration.ofSeconds(20), condition);
    }

    /** Polls {@code condition} every 50 ms for up to {@code bound}: for what another system decides the pace of (a failover). */
    public static void await(String what, Duration bound, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting until " + what);
    }
}
