package dev.halley.presence;

import java.time.Duration;
import java.util.Objects;

/**
 * Who a subscription or connection belongs to, for presence.
 *
 * @param client the client id (a subscriber token's {@code sub}, or the {@code id} the request names)
 * @param watching whether the subscriber wants the channel's join and leave events
 * @param linger how long the client stays present after its last subscription ended: zero for
 *     streams, a few seconds for long-poll clients, which are away between two polls
 */
public record Member(String client, boolean watching, Duration linger) {

    public Member {
        Objects.requireNonNull(client, "client");
        if (linger.isNegative()) {
            throw new IllegalArgumentException("linger must not be negative, got " + linger);
        }
    }
}
