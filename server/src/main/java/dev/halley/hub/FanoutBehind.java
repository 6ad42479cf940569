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
        super(reason(topic, maxWaiting), null, false, false);
    }

    /** What a publisher is told when its publish to {@code topic} is refused for this reason. */
    public static String reason(Topic topic, int maxWaiting) {
        return "fan-out behind: the loop of " + topic + " has more than " + maxWaiting
                + " deliveries waiting; nothing stored, retry shortly";
    }
}
