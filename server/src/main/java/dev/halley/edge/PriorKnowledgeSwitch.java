package dev.halley.edge;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import java.util.List;

/**
 * Tells a clear-text connection's protocol from its first bytes: HTTP/2's connection preface
 * ({@code PRI * HTTP/2.0…}, "prior knowledge" h2c) or else HTTP/1.1. It decides as soon as one
 * byte differs from the preface, so an HTTP/1.1 request is never held back, then hands the
 * bytes it has seen to the pipeline it set up and leaves.
 */
final class PriorKnowledgeSwitch extends ByteToMessageDecoder {

    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

    private final HttpInitializer initializer;

    PriorKnowledgeSwitch(HttpInitializer initializer) {
        this.initializer = initializer;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int seen = Math.min(in.readableBytes(), PREFACE.readableBytes());
        boolean prefaceSoFar = ByteBufUtil.equals(in, in.readerIndex(), PREFACE, PREFACE.readerIndex(), seen);
        if (prefaceSoFar && seen < PREFACE.readableBytes()) {
            return;
        }
        if (prefaceSoFar) {
            initializer.http2(ctx.pipeline(), ctx.name());
        } else {
            initializer.http1(ctx.pipeline(), ctx.name());
        }
        // Removing a decoder passes what it buffered to the handler now after it.
        ctx.pipeline().remove(this);
    }
}
