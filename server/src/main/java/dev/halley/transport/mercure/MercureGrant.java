package dev.halley.transport.mercure;

import java.util.List;

/**
 * What a verified Mercure token allows.
 *
 * @param publish selectors of the topics the bearer may publish to; empty: none
 * @param subscribe selectors of the topics whose private updates the bearer may receive; empty: none
 * @param expiresAtMillis when the token expires (a subscriber's stream is closed then), or 0 for never
 */
public record MercureGrant(List<TopicSelector> publish, List<TopicSelector> subscribe, long expiresAtMillis) {

    /** A subscriber with no token: public updates only. */
    public static final MercureGrant ANONYMOUS = new MercureGrant(List.of(), List.of(), 0);

    public MercureGrant {
        publish = List.copyOf(publish);
        subscribe = List.copyOf(subscribe);
        if (expiresAtMillis < 0) {
            throw new IllegalArgumentException("expiresAtMillis must be >= 0, got " + expiresAtMillis);
        }
    }

    /** Whether the bearer may publish {@code update}: every one of its topics is covered. */
    public boolean mayPublish(MercureUpdate update) {
        return !publish.isEmpty() && update.everyTopicMatches(publish);
    }

    /** Whether the bearer may receive {@code update}: public, or one of its topics is covered. */
    public boolean mayReceive(MercureUpdate update) {
        return !update.privateUpdate() || update.anyTopicMatches(subscribe);
    }
}
