package dev.halley.broker;

import java.time.Duration;
import java.util.Objects;

/**
 * How long and how many messages one topic keeps.
 *
 * @param timeToLive a message is removed this long after it was stored
 * @param maxMessages past this many, the oldest message is removed
 */
public record Retention(Duration timeToLive, int maxMessages) {

    public static final Duration MAX_TIME_TO_LIVE = Duration.ofDays(7);
    public static final int MAX_MESSAGES = 1_000_000;

    public Retention {
        Objects.requireNonNull(timeToLive, "timeToLive");
        if (timeToLive.compareTo(Duration.ofMillis(1)) < 0 || timeToLive.compareTo(MAX_TIME_TO_LIVE) > 0) {
            throw new IllegalArgumentException("time to live must be between 1ms and 7d, got " + timeToLive);
        }
        if (maxMessages < 0 || maxMessages > MAX_MESSAGES) {
            throw new IllegalArgumentException("max messages must be between 0 and " + MAX_MESSAGES + ", got " + maxMessages);
        }
    }
}
