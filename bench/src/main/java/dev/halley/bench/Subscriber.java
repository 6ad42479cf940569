package dev.halley.bench;

import io.netty.channel.Channel;
import java.util.BitSet;

/**
 * What the bench keeps per subscriber connection, across the reconnects of the churn scenario.
 * Only its connection's event loop touches it (the connection is made on that loop and every
 * reconnect is made from it).
 */
final class Subscriber {

    final int index;
    final MarkerScanner scanner = new MarkerScanner();
    /** The connection while Netty holds it; null once {@link #held}. */
    volatile Channel channel;
    /** The connection once it left Netty ({@link HeldSubscriber}); null before. */
    volatile HeldSubscriber held;
    long connectStartNanos;
    /** Subscribed (SSE first bytes, WebSocket 101, long-poll request written) at least once. */
    boolean everReady;
    /** Subscribed now. */
    boolean ready;
    /** The run is closing this connection itself (stop, or churn's deliberate close). */
    boolean closingOnPurpose;
    /** Halley's long-poll cursor, sent back as {@code since}. */
    String cursor;
    /** nchan's long-poll position, sent back as If-Modified-Since / If-None-Match. */
    String lastModified;
    String etag;
    long lastMsgNo = -1;
    /** Counted as failed once; not reconnected. */
    boolean failed;
    /** Fanout only: the per-channel sequence numbers seen, to find duplicates. */
    BitSet seen;

    Subscriber(int index) {
        this.index = index;
    }
}
