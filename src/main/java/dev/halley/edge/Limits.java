package dev.halley.edge;

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
 */
public record Limits(int maxConnections, int maxNameLength, int maxMessageBytes, int maxHeaderBytes,
                     int maxUriBytes, int maxSubscriptionsPerConnection, int maxOutboundBytes, int pollBatch) {

    public static final Limits DEFAULTS = new Limits(1_000_000, 128, 64 * 1024, 8 * 1024, 4 * 1024, 32, 1024 * 1024, 100);

    public Limits {
        requireBetween("max connections", maxConnections, 1, 100_000_000);
        requireBetween("max name length", maxNameLength, 1, 1024);
        requireBetween("max message size", maxMessageBytes, 1, 64 * 1024 * 1024);
        requireBetween("max header size", maxHeaderBytes, 256, 1024 * 1024);
        requireBetween("max uri length", maxUriBytes, 64, 1024 * 1024);
        requireBetween("max subscriptions per connection", maxSubscriptionsPerConnection, 1, 10_000);
        requireBetween("max outbound bytes", maxOutboundBytes, 1024, 1024 * 1024 * 1024);
        requireBetween("poll batch", pollBatch, 1, 100_000);
    }

    static void requireBetween(String what, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(what + " must be between " + min + " and " + max + ", got " + value);
        }
    }
}
