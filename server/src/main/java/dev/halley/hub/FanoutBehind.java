package dev.halley.hub;

import dev.halley.message.Topic;

/**
 * A publish refused, nothing stored, because the loop owning its topic has more deliveries
 * waiting to be written than its limit: the node is past what it can fan out, and taking more
 * would only make every subscriber of that loop wait longer. The publisher may retry shortly.
 */
public final class FanoutBehind extends RuntimeException {

    private static final long serialVersionUID = 1L;

    FanoutBehind(Topic topic, int maxWaiting) {
        super("fan-out behind: the loop of " + topic + " has more than " + maxWaiting
                + " deliveries waiting; nothing stored, retry shortly", null, false, false);
    }
}
