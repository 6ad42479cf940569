package dev.halley.edge;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;

/**
 * Assembles an HTTP connection's pipeline: gate, TLS when configured, codec, head timeout,
 * aggregator, CORS, router. Nothing else.
 */
final class HttpInitializer extends ChannelInitializer<Channel> {

    /** What a listener serves. */
    enum Role {
        /** Everything: the default single port. */
        ALL,
        /** Everything but publishing, which a separate publish listener serves. */
        SUBSCRIBE,
        /** Publishing and status only: the {@code --publish-bind} listener. */
        PUBLISH
    }

    static final String CODEC = "http";
    static final String AGGREGATOR = "aggregator";
    static final String CORS = "cors";

    private final Node node;
    private final Role role;
    private final SslContext tls;
    private final ConnectionGate gate;

    /** @param tls null for plain HTTP */
    HttpInitializer(Node node, Role role, SslContext tls) {
        this.node = node;
        this.role = role;
        this.tls = tls;
        this.gate = new ConnectionGate(node, tls == null);
    }

    @Override
    protected void initChannel(Channel ch) {
        Limits limits = node.limits();
        ChannelPipeline p = ch.pipeline();
        p.addLast("gate", gate);
        if (tls != null) {
            p.addLast("tls", tls.newHandler(ch.alloc()));
        }
        p.addLast(CODEC, new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxUriBytes())
                .setMaxHeaderSize(limits.maxHeaderBytes())));
        p.addLast(RequestHeadTimeout.NAME, new RequestHeadTimeout(node.options().headerTimeout().toNanos(), node.counters()));
        p.addLast(AGGREGATOR, new HttpObjectAggregator(limits.maxMessageBytes()));
        p.addLast(CORS, new CrossOrigin(node.origins()));
        p.addLast("router", new RequestRouter(node, role));
    }

    /**
     * Removes what only reading requests needs, once a connection has become a stream whose
     * answer head is written: the head timeout, the aggregator (if still there) and CORS.
     */
    static void dropRequestHandling(ChannelPipeline p) {
        p.remove(RequestHeadTimeout.NAME);
        if (p.get(AGGREGATOR) != null) {
            p.remove(AGGREGATOR);
        }
        p.remove(CORS);
    }
}
