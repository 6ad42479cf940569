package dev.halley.pusher;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;

/**
 * A WebSocket that the Pusher protocol turns away once it is open (unknown app key, unsupported
 * protocol version): pusher-js reads the {@code pusher:error} and the close code, and a 4000-4099
 * code tells it not to reconnect.
 */
final class RefusedConnection extends ChannelInboundHandlerAdapter {

    private final int code;
    private final String message;

    RefusedConnection(int code, String message) {
        this.code = code;
        this.message = message;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt != PusherGateway.HANDSHAKE_DONE) {
            super.userEventTriggered(ctx, evt);
            return;
        }
        ctx.write(new TextWebSocketFrame(Unpooled.wrappedBuffer(Frames.error(code, message).getBytes(StandardCharsets.UTF_8))));
        ctx.writeAndFlush(new CloseWebSocketFrame(code, message)).addListener(ChannelFutureListener.CLOSE);
    }

    /** Whatever arrives before the close completes is not read. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }
}
