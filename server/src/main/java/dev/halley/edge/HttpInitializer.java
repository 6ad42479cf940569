package dev.halley.edge;

import dev.halley.transport.HttpPipeline;
import dev.halley.transport.Node;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import java.util.function.Consumer;

/**
 * Assembles an HTTP connection's pipeline: gate, TLS when configured, codec, head timeout, then
 * the transports' request handlers. With HTTP/2 on, a switch stands in the codec's place until
 * the protocol is known (ALPN over TLS, the connection preface in clear text) and then sets up
 * HTTP/1.1 ({@link #http1}) or HTTP/2 ({@link #http2}). A plain connection that a held
 * long-poll took off Netty comes back through it too ({@link NettyReentry}), straight to HTTP/1.1.
 */
final class HttpInitializer extends ChannelInitializer<Channel> {

    private static final String PROTOCOL_SWITCH = "protocol";

    private final Node node;
    private final HttpPipeline.Role role;
    private final SslContext tls;
    private final ConnectionGate gate;
    private final long headerTimeoutNanos;
    private final boolean http2;
    /** Null behind TLS, whose connections are never held. */
    private final HttpPipeline.Reentry reentry;

    /**
     * @param tls null for plain HTTP; with {@code http2} it must offer h2 by ALPN
     * @param http2 whether to speak HTTP/2 besides HTTP/1.1
     * @param channelOptions gives a channel made on a descriptor the options an accepted one gets
     */
    HttpInitializer(Node node, HttpPipeline.Role role, SslContext tls, long headerTimeoutNanos, boolean http2,
                    Consumer<EpollSocketChannel> channelOptions) {
        this.node = node;
        this.role = role;
        this.tls = tls;
        this.gate = new ConnectionGate(node, tls == null);
        this.headerTimeoutNanos = headerTimeoutNanos;
        this.http2 = http2;
        this.reentry = tls != null ? null : new NettyReentry(node, headerTimeoutNanos, ch -> {
            channelOptions.accept(ch);
            node.track(ch);
            ch.pipeline().addLast(this);
        });
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        p.addLast("gate", gate);
        if (tls != null) {
            p.addLast("tls", tls.newHandler(ch.alloc()));
        }
        // A channel the lean path or a held long-poll gave Netty has spoken HTTP/1.1 (and has no
        // listening parent, which HTTP/2's multiplexer would need to serve it as a server).
        if (http2 && !ch.hasAttr(LeanListener.HEAD_DEADLINE_NANOS)) {
            p.addLast(PROTOCOL_SWITCH, tls != null ? new AlpnSwitch(this) : new PriorKnowledgeSwitch(this));
        } else {
            p.addLast(HttpPipeline.CODEC, http1Codec());
        }
        // Armed from the start: a client that never finishes its handshake or preface is timed too.
        p.addLast(HttpPipeline.HEAD_TIMEOUT, new RequestHeadTimeout(headerTimeoutNanos, node.counters()));
        HttpPipeline.addRequestHandlers(p, node, role, reentry);
    }

    /** The protocol is HTTP/1.1: the codec goes after handler {@code after}. */
    void http1(ChannelPipeline p, String after) {
        p.addAfter(after, HttpPipeline.CODEC, http1Codec());
    }

    /** The protocol is HTTP/2: the transports set up its codec and streams after handler {@code after}. */
    void http2(ChannelPipeline p, String after) {
        HttpPipeline.switchToHttp2(p, after, node, role, headerTimeoutNanos);
    }

    private HttpServerCodec http1Codec() {
        return new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(node.limits().maxUriBytes())
                .setMaxHeaderSize(node.limits().maxHeaderBytes()));
    }
}
