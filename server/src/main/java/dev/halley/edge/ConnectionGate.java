package dev.halley.edge;

import dev.halley.transport.Node;
import dev.halley.transport.NodeCounters;
import dev.halley.transport.Replies;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Counts connections, overall and per source address, and turns away those past
 * {@code --max-connections} (503) or {@code --max-connections-per-address} (429) before they are
 * read. Its state is the node's counters, shared by every listener, so one instance serves every
 * channel of a listener and the limits hold for the node as a whole.
 */
@ChannelHandler.Sharable
final class ConnectionGate extends ChannelInboundHandlerAdapter {

    private final Node node;
    private final boolean plainText;

    /** @param plainText false behind TLS, where a refusal cannot be written before the handshake: it just closes */
    ConnectionGate(Node node, boolean plainText) {
        this.node = node;
        this.plainText = plainText;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().hasAttr(LeanListener.HEAD_DEADLINE_NANOS)) {
            // Counted and let in by the lean path at its accept, which handed it here afterwards.
            super.channelActive(ctx);
            return;
        }
        boolean underTotal = node.counters().opened(ctx.channel().eventLoop(), node.limits().maxConnections());
        InetAddress address = addressOf(ctx);
        int fromAddress = address == null ? 0 : node.counters().openedFrom(address);
        if (!underTotal) {
            refuse(ctx, NodeCounters.Reject.MAX_CONNECTIONS, Replies.refusal(503, "Service Unavailable", "too many connections"));
            return;
        }
        if (fromAddress > node.limits().maxConnectionsPerAddress()) {
            refuse(ctx, NodeCounters.Reject.MAX_PER_ADDRESS,
                    Replies.refusal(429, "Too Many Requests", "too many connections from this address"));
            return;
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        // Inactive follows active exactly once, and active counted this connection, refused or not.
        node.counters().closed(ctx.channel().eventLoop());
        InetAddress address = addressOf(ctx);
        if (address != null) {
            node.counters().closedFrom(address);
        }
        super.channelInactive(ctx);
    }

    private void refuse(ChannelHandlerContext ctx, NodeCounters.Reject cause, ByteBuf answer) {
        node.counters().rejected(cause);
        ctx.channel().config().setAutoRead(false);
        if (plainText) {
            ctx.writeAndFlush(answer).addListener(ChannelFutureListener.CLOSE);
        } else {
            answer.release();
            ctx.close();
        }
    }

    private static InetAddress addressOf(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress isa ? isa.getAddress() : null;
    }
}
