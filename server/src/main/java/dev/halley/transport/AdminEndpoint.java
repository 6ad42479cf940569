package dev.halley.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * {@code POST /admin/drain}: starts the node's drain. Only a peer on the node's own machine may ask
 * (the node listens on every address by default, and this endpoint has no other protection).
 */
final class AdminEndpoint {

    /** What a drained SSE client is told in {@code retry:}: reconnect soon, to whichever node answers. */
    static final int RECONNECT_AFTER_MILLIS = 1000;

    private AdminEndpoint() {
    }

    static void drain(ChannelHandlerContext ctx, Node node, boolean keepAlive) {
        if (!(ctx.channel().remoteAddress() instanceof InetSocketAddress peer) || !peer.getAddress().isLoopbackAddress()) {
            node.counters().rejected(NodeCounters.Reject.BAD_REQUEST);
            Replies.error(ctx, HttpResponseStatus.FORBIDDEN, "drain may only be asked from the node's own machine", keepAlive);
            return;
        }
        if (!node.admin().canDrain()) {
            Replies.error(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "this node has no drain configured", keepAlive);
            return;
        }
        // Answer first: the drain's own request is one of the connections it will close.
        Replies.json(ctx, HttpResponseStatus.ACCEPTED, "{\"draining\":true}".getBytes(StandardCharsets.US_ASCII), false);
        node.admin().requestDrain();
    }

    /** Closes the connection once everything written before has been flushed. */
    static void closeAfterWrites(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
}
