package dev.halley.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * A handler that has taken over a connection to write an endless answer: it keeps its context to
 * write with, drops whatever the client still sends, and closes on any error.
 */
abstract class WriteOnlyStream extends ChannelInboundHandlerAdapter {

    /** This handler's context, set when it is added to the pipeline (on the connection's loop). */
    protected ChannelHandlerContext ctx;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // A stream reads nothing more from its client; drop whatever arrives.
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
