package dev.halley.edge;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Counts connections and turns away those past {@code --max-connections} with a 503 before they
 * are read. Stateless, so one instance serves every channel.
 */
@ChannelHandler.Sharable
final class ConnectionGate extends ChannelInboundHandlerAdapter {

    private final Node node;

    ConnectionGate(Node node) {
        this.node = node;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (!node.counters().opened(ctx.channel().eventLoop(), node.limits().maxConnections())) {
            node.counters().rejected(EdgeCounters.Reject.MAX_CONNECTIONS);
            ctx.channel().config().setAutoRead(false);
            ctx.writeAndFlush(Replies.overloaded()).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        node.counters().closed(ctx.channel().eventLoop());
        super.channelInactive(ctx);
    }
}
