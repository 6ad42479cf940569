package dev.halley.transport;

/**
 * Every limit the edge enforces, with the HTTP answer it gives.
 *
 * @param maxConnections past this many open connections a new one gets 503 and is closed
 * @param maxNameLength client ids and channel names longer than this get 400
 * @param maxMessageBytes request bodies larger than this get 413
 * @param maxHeaderBytes request heads larger than this get 431
 * @param maxUriBytes request lines longer than this get 414
 * @param maxSubscriptionsPerConnection more topics on one SSE/WebSocket connection get 400 / an error frame
 * @param maxOutboundBytes a subscriber with more unsent bytes than this is disconnected (it resumes with its cursor)
 * @param pollBatch at most this many messages in one long-poll answer
 * @param maxConnectionsPerAddress past this many connections from one source address a new one gets 429
 * @param publishesPerSecondPerKey publishes a publish key may make per second (429 past it); 0: unlimited
 * @param presenceListLimit a channel with more clients present than this is answered with its count only
 * @param maxFanoutWaiting past this many deliveries waiting to be written on an event loop, publishes to the
 *     loop's topics get 503 and nothing is stored (by default a fraction of a second of writes)
 */
public record Limits(int maxConnections, int maxNameLength, int maxMessageBytes, int maxHeaderBytes,
                     int maxUriBytes, int maxSubscriptionsPerConnection, int maxOutboundBytes, int pollBatch,
                     int maxConnectionsPerAddress, int publishesPerSecondPerKey, int presenceListLimit,
                     int maxFanoutWaiting) {

    public static final Limits DEFAULTS = new Limits(1_000_000, 128, 64 * 1024, 8 * 1024, 4 * 1024, 32, 1024 * 1024, 100,
            100_000, 0, 1000, 50_000);

    public Limits {
        requireBetween("max connections", maxConnections, 1, 100_000_000);
        requireBetween("max name length", maxNameLength, 1, 1024);
        requireBetween("max message size", maxMessageBytes, 1, 64 * 1024 * 1024);
        requireBetween("max header size", maxHeaderBytes, 256, 1024 * 1024);
        requireBetween("max uri length", maxUriBytes, 64, 1024 * 1024);
        requireBetween("max subscriptions per connection", maxSubscriptionsPerConnection, 1, 10_000);
        requireBetween("max outbound bytes", maxOutboundBytes, 1024, 1024 * 1024 * 1024);
        requireBetween("poll batch", pollBatch, 1, 100_000);
        requireBetween("max connections per address", maxConnectionsPerAddress, 1, 100_000_000);
        requireBetween("publishes per second per key", publishesPerSecondPerKey, 0, 100_000_000);
        requireBetween("presence list limit", presenceListLimit, 0, 100_000);
        requireBetween("max fan-out waiting", maxFanoutWaiting, 1, 1_000_000_000);
    }

    public Limits withMaxConnections(int total, int perAddress) {
        return new Limits(total, maxNameLength, maxMessageBytes, maxHeaderBytes, maxUriBytes, maxSubscriptionsPerConnection,
                maxOutboundBytes, pollBatch, perAddress, publishesPerSecondPerKey, presenceListLimit, maxFanoutWaiting);
    }

    public Limits withSizes(int nameLength, int messageBytes, int headerBytes, int uriBytes) {
        return new Limits(maxConnections, nameLength, messageBytes, headerBytes, uriBytes, maxSubscriptionsPerConnection,
                maxOutboundBytes, pollBatch, maxConnectionsPerAddress, publishesPerSecondPerKey, presenceListLimit, maxFanoutWaiting);
    }

    public Limits withStreams(int subscriptionsPerConnection, int outboundBytes) {
        return new Limits(maxConnections, maxNameLength, maxMessageBytes, maxHeaderBytes, maxUriBytes, subscriptionsPerConnection,
                outboundBytes, pollBatch, maxConnectionsPerAddress, publishesPerSecondPerKey, presenceListLimit, maxFanoutWaiting);
    }

    public Limits withPublishRate(int perSecondPerKey) {
        return new Limits(maxConnections, maxNameLength, maxMessageBytes, maxHeaderBytes, maxUriBytes, maxSubscriptionsPerConnection,
                maxOutboundBytes, pollBatch, maxConnectionsPerAddress, perSecondPerKey, presenceListLimit, maxFanoutWaiting);
    }

    public Limits withPresenceListLimit(int clients) {
        return new Limits(maxConnections, maxNameLength, maxMessageBytes, maxHeaderBytes, maxUriBytes, maxSubscriptionsPerConnection,
                maxOutboundBytes, pollBatch, maxConnectionsPerAddress, publishesPerSecondPerKey, clients, maxFanoutWaiting);
    }

    public Limits withMaxFanoutWaiting(int deliveries) {
        return new Limits(maxConnections, maxNameLength, maxMessageBytes, maxHeaderBytes, maxUriBytes, maxSubscriptionsPerConnection,
                maxOutboundBytes, pollBatch, maxConnectionsPerAddress, publishesPerSecondPerKey, presenceListLimit, deliveries);
    }

    /** Refuses {@code value} outside [{@code min}, {@code max}] with a message that states the rule. */
    public static void requireBetween(String what, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(what + " must be between " + min + " and " + max + ", got " + value);
        }
    }
}
