package dev.halley.broker;

import dev.halley.message.Topic;
import java.time.Duration;
import java.util.Objects;

/**
 * Retention per kind of topic, and how often expired messages are swept.
 *
 * @param mailbox what a client's mailbox keeps while the client is away (MegaComet kept a minute)
 * @param channel what a channel keeps for subscribers that resume with a cursor
 * @param sweepInterval how often each loop removes expired messages it has not already removed on read
 */
public record BrokerOptions(Retention mailbox, Retention channel, Duration sweepInterval) {

    public static final BrokerOptions DEFAULTS = new BrokerOptions(
            new Retention(Duration.ofSeconds(60), 1000),
            new Retention(Duration.ofMinutes(5), 100),
            Duration.ofSeconds(1));

    public BrokerOptions {
        Objects.requireNonNull(mailbox, "mailbox");
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(sweepInterval, "sweepInterval");
        if (sweepInterval.compareTo(Duration.ofMillis(10)) < 0 || sweepInterval.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("sweep interval must be between 10ms and 1m, got " + sweepInterval);
        }
    }

    public Retention retentionOf(Topic.Kind kind) {
        return kind == Topic.Kind.CLIENT ? mailbox : channel;
    }
}
