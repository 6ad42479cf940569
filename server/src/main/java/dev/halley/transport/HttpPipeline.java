package dev.halley.transport;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpObjectAggregator;

/**
 * The names of an HTTP connection's handlers and the transports' part of its pipeline. The edge
 * adds its own handlers (gate, TLS, codec, head timeout) under the names given here, then calls
 * {@link #addRequestHandlers}; a stream that takes a connection over removes what it no longer
 * needs by these names, so the transports never reach into the edge.
 */
public final class HttpPipeline {

    /** What a listener serves. */
    public enum Role {
        /** Everything: the default single port. */
        ALL,
        /** Everything but publishing, which a separate publish listener serves. */
        SUBSCRIBE,
        /** Publishing and status only: the {@code --publish-bind} listener. */
        PUBLISH
    }

    /** The HTTP codec the edge adds; an SSE stream removes it once its answer head is written. */
    public static final String CODEC = "http";
    /** The edge's request-head timeout; removed when a connection becomes a stream. */
    public static final String HEAD_TIMEOUT = "head-timeout";
    static final String AGGREGATOR = "aggregator";
    static final String CORS = "cors";
    static final String ROUTER = "router";

    private HttpPipeline() {
    }

    /** Adds what reads whole requests and routes them (aggregator, CORS, router) after the edge's codec. */
    public static void addRequestHandlers(ChannelPipeline p, Node node, Role role) {
        p.addLast(AGGREGATOR, new HttpObjectAggregator(node.limits().maxMessageBytes()));
        p.addLast(CORS, new CrossOrigin(node.origins()));
        p.addLast(ROUTER, new RequestRouter(node, role));
    }

    /**
     * Removes what only reading requests needs, once a connection has become a stream whose
     * answer head is written: the edge's head timeout (when it added one), the aggregator (if
     * still there) and CORS.
     */
    static void dropRequestHandling(ChannelPipeline p) {
        if (p.get(HEAD_TIMEOUT) != null) {
            p.remove(HEAD_TIMEOUT);
        }
        if (p.get(AGGREGATOR) != null) {
            p.remove(AGGREGATOR);
        }
        p.remove(CORS);
    }
}
