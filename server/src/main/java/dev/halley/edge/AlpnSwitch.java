package dev.halley.edge;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After the TLS handshake, sets up the protocol ALPN chose: HTTP/2 ({@code h2}) or HTTP/1.1 (also
 * for a client that offered no ALPN at all). The handler removes itself afterwards.
 */
final class AlpnSwitch extends ApplicationProtocolNegotiationHandler {

    private static final Logger log = LoggerFactory.getLogger(AlpnSwitch.class);

    private final HttpInitializer initializer;

    AlpnSwitch(HttpInitializer initializer) {
        super(ApplicationProtocolNames.HTTP_1_1);
        this.initializer = initializer;
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
        if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
            initializer.http2(ctx.pipeline(), ctx.name());
        } else {
            initializer.http1(ctx.pipeline(), ctx.name());
        }
    }

    /** A failed handshake is the client's problem: one debug line and a close, no stack trace. */
    @Override
    protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("event=tls_handshake_failed remote={} cause={}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("event=connection_error remote={} cause={}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
