package dev.halley.edge;

import dev.halley.transport.HttpPipeline;
import dev.halley.transport.Node;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;

/**
 * Assembles an HTTP connection's pipeline: gate, TLS when configured, codec, head timeout, then
 * the transports' request handlers. Nothing else.
 */
final class HttpInitializer extends ChannelInitializer<Channel> {

    private final Node node;
    private final HttpPipeline.Role role;
    private final SslContext tls;
    private final ConnectionGate gate;
    private final long headerTimeoutNanos;

    /** @param tls null for plain HTTP */
    HttpInitializer(Node node, HttpPipeline.Role role, SslContext tls, long headerTimeoutNanos) {
        this.node = node;
        this.role = role;
        this.tls = tls;
        this.gate = new ConnectionGate(node, tls == null);
        this.headerTimeoutNanos = headerTimeoutNanos;
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        p.addLast("gate", gate);
        if (tls != null) {
            p.addLast("tls", tls.newHandler(ch.alloc()));
        }
        p.addLast(HttpPipeline.CODEC, new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(node.limits().maxUriBytes())
                .setMaxHeaderSize(node.limits().maxHeaderBytes())));
        p.addLast(HttpPipeline.HEAD_TIMEOUT, new RequestHeadTimeout(headerTimeoutNanos, node.counters()));
        HttpPipeline.addRequestHandlers(p, node, role);
    }
}
