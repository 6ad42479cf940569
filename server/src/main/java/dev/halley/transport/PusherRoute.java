package dev.halley.transport;

import dev.halley.pusher.ApiReply;
import dev.halley.pusher.PusherGateway;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;

/**
 * Hands Pusher requests to the node's {@link PusherGateway}: the HTTP API's answers are written
 * here, and a WebSocket at {@code /app/{key}} is upgraded here, then owned by the gateway's handler.
 */
final class PusherRoute {

    private PusherRoute() {
    }

    /** Tells the Pusher handler, which cannot see this package, that the node drains. */
    @ChannelHandler.Sharable
    private static final class DrainSignal extends ChannelInboundHandlerAdapter {
        static final DrainSignal INSTANCE = new DrainSignal();

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            ctx.fireUserEventTriggered(evt == NodeAdmin.DRAIN ? PusherGateway.DRAIN : evt);
        }
    }

    static void api(ChannelHandlerContext ctx, PusherGateway pusher, FullHttpRequest request, QueryStringDecoder query,
                    boolean keepAlive) {
        byte[] body = ByteBufUtil.getBytes(request.content());
        pusher.api(request.method().name(), query.path(), query.parameters(), body).whenComplete((reply, failure) -> {
            // Publishing completes on a topic's loop; the answer is written on the connection's own.
            ctx.executor().execute(() -> {
                if (failure != null) {
                    Replies.error(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "the request failed", keepAlive);
                } else {
                    write(ctx, reply, keepAlive);
                }
            });
        });
    }

    private static void write(ChannelHandlerContext ctx, ApiReply reply, boolean keepAlive) {
        Replies.send(ctx, HttpResponseStatus.valueOf(reply.status()), reply.contentType(), Unpooled.wrappedBuffer(reply.body()), keepAlive);
    }

    static void socket(ChannelHandlerContext ctx, Node node, FullHttpRequest request, QueryStringDecoder query) {
        String url = "ws://" + request.headers().get(HttpHeaderNames.HOST, "localhost") + request.uri();
        WebSocketDecoderConfig config = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(node.limits().maxMessageBytes())
                .allowExtensions(false)
                .build();
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(url, null, config).newHandshaker(request);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        ChannelHandler connection = node.pusher().socket(query.path(), query.parameters());
        ctx.pipeline().replace(ctx.handler(), "pusher", connection);
        ctx.pipeline().addBefore("pusher", "ws-aggregator", new WebSocketFrameAggregator(node.limits().maxMessageBytes()));
        ctx.pipeline().addBefore("pusher", "pusher-drain", DrainSignal.INSTANCE);
        handshaker.handshake(ctx.channel(), request).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                f.channel().close();
                return;
            }
            // The handshake answer has passed CORS on its way out; nothing needs it any more.
            HttpPipeline.dropRequestHandling(f.channel().pipeline());
            f.channel().pipeline().fireUserEventTriggered(PusherGateway.HANDSHAKE_DONE);
        });
    }
}
