package dev.halley.transport.mercure;

import java.nio.charset.StandardCharsets;

/**
 * How the Mercure hub at {@code /.well-known/mercure} is keyed.
 *
 * @param publisherKey HS256 secret of publisher JWTs (at least 32 bytes); null: the hub is off
 * @param subscriberKey HS256 secret of subscriber JWTs; null: the publisher key signs them too
 * @param anonymousSubscribers whether a subscriber without a JWT may receive public updates
 */
public record MercureOptions(String publisherKey, String subscriberKey, boolean anonymousSubscribers) {

    public static final MercureOptions OFF = new MercureOptions(null, null, true);

    public MercureOptions {
        requireKey("--mercure-publisher-key", publisherKey);
        requireKey("--mercure-subscriber-key", subscriberKey);
        if (publisherKey == null && subscriberKey != null) {
            throw new IllegalArgumentException("--mercure-subscriber-key needs --mercure-publisher-key (the hub is off without it)");
        }
    }

    public boolean enabled() {
        return publisherKey != null;
    }

    /** The verifier of publisher tokens; only when {@link #enabled}. */
    public MercureTokens publisherTokens() {
        return new MercureTokens(publisherKey);
    }

    /** The verifier of subscriber tokens; only when {@link #enabled}. */
    public MercureTokens subscriberTokens() {
        return new MercureTokens(subscriberKey != null ? subscriberKey : publisherKey);
    }

    private static void requireKey(String what, String key) {
        if (key != null && key.getBytes(StandardCharsets.UTF_8).length < 32) {
            throw new IllegalArgumentException(what + " must be at least 32 bytes (HS256), got "
                    + key.getBytes(StandardCharsets.UTF_8).length);
        }
    }
}
