package dev.halley.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decides whether a publish request may go ahead: its bearer key, compared in constant time, and
 * that key's rate. With no keys configured, publishing is open and unlimited.
 */
public final class PublishGuard {

    /** Why a publish was refused. */
    public enum Cause {
        /** No bearer key: 401. */
        NO_KEY,
        /** A key that is not one of the configured ones: 403. */
        WRONG_KEY,
        /** The key's rate is used up: 429. */
        RATE_LIMITED
    }

    /** A refused publish: why, and the reason to answer with. */
    public record Refusal(Cause cause, String reason) {
    }

    private final List<byte[]> keyDigests = new ArrayList<>();
    private final List<RateBucket> buckets = new ArrayList<>();

    public PublishGuard(List<String> keys, int perSecondPerKey) {
        for (String key : keys) {
            keyDigests.add(sha256(key));
            buckets.add(perSecondPerKey > 0 ? new RateBucket(perSecondPerKey) : null);
        }
    }

    /**
     * Returns why the request may not publish, or null when it may. Called on the connection's loop.
     *
     * @param auth the request's {@code Authorization} header, or null
     */
    public Refusal check(String auth, long nowNanos) {
        if (keyDigests.isEmpty()) {
            return null;
        }
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return new Refusal(Cause.NO_KEY, "publishing needs Authorization: Bearer <publish key>");
        }
        byte[] presented = sha256(auth.substring(7).strip());
        int match = -1;
        // Compare against every key, always: the time taken says nothing about which key was near.
        for (int i = 0; i < keyDigests.size(); i++) {
            if (MessageDigest.isEqual(presented, keyDigests.get(i))) {
                match = i;
            }
        }
        if (match < 0) {
            return new Refusal(Cause.WRONG_KEY, "the publish key is not valid");
        }
        RateBucket bucket = buckets.get(match);
        if (bucket != null && !bucket.take(nowNanos)) {
            return new Refusal(Cause.RATE_LIMITED, "publish rate of this key exceeded");
        }
        return null;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * A token bucket holding one second's worth of publishes, refilled continuously. Publishes of
     * one key arrive on several loops, hence the compare-and-set on the time the bucket is full at.
     */
    static final class RateBucket {
        private final long nanosPerToken;
        private final long burstNanos;
        private final AtomicLong fullAtNanos = new AtomicLong(Long.MIN_VALUE / 2);

        RateBucket(int perSecond) {
            this.nanosPerToken = 1_000_000_000L / perSecond;
            this.burstNanos = nanosPerToken * perSecond;
        }

        boolean take(long nowNanos) {
            while (true) {
                long fullAt = fullAtNanos.get();
                long base = Math.max(fullAt, nowNanos);
                long next = base + nanosPerToken;
                if (next - nowNanos > burstNanos) {
                    return false;
                }
                if (fullAtNanos.compareAndSet(fullAt, next)) {
                    return true;
                }
            }
        }
    }
}
