package dev.halley.pusher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halley.loops.TickWheel;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pusher-js connection after its WebSocket handshake: the Pusher protocol 7 state machine.
 *
 * <p>Confined to the connection's loop. Each channel is a {@link ChannelFeed}, whose hub callbacks
 * are handed to this loop; one loop's tasks run in order, so per channel the
 * {@code subscription_succeeded} comes before the channel's events. Refusals keep the connection
 * unless they concern the connection itself (see {@link PusherGateway} for the codes).
 */
final class PusherConnection extends SimpleChannelInboundHandler<WebSocketFrame> implements AppChannels.Listener, TickWheel.Member {

    private static final Logger log = LoggerFactory.getLogger(PusherConnection.class);

    private static final TickWheel ACTIVITY_CHECKS = new TickWheel();

    private final PusherGateway gateway;
    private final PusherGateway.App app;
    private final String socketId;
    private final ChannelFeeds feeds = new ChannelFeeds();
    private ChannelHandlerContext ctx;
    private EventLoop loop;
    private long lastHeardNanos;
    private boolean pingSent;
    private boolean counted;
    /** Where this connection sits on its loop's activity-check wheel, -1 off it. */
    private int wheelPosition = -1;

    PusherConnection(PusherGateway gateway, PusherGateway.App app, String socketId) {
        this.gateway = gateway;
        this.app = app;
        this.socketId = socketId;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.loop = ctx.channel().eventLoop();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == PusherGateway.DRAIN) {
            closeWith(PusherGateway.PROTOCOL_ERROR, "The node is restarting, reconnect");
            return;
        }
        if (evt != PusherGateway.HANDSHAKE_DONE) {
            super.userEventTriggered(ctx, evt);
            return;
        }
        if (!app.admit()) {
            log.info("event=pusher_over_capacity app={} max_connections={}", app.app().id(), app.app().maxConnections());
            refuseConnection(PusherGateway.OVER_CAPACITY, "Over capacity: this app has " + app.app().maxConnections() + " connections");
            return;
        }
        counted = true;
        lastHeardNanos = System.nanoTime();
        // Checked twice per activity timeout, as a per-connection timer did, on the loop's one wheel.
        ACTIVITY_CHECKS.join(loop, gateway.activityTimeout().dividedBy(2), this);
        ctx.writeAndFlush(text(Frames.connectionEstablished(socketId, (int) gateway.activityTimeout().toSeconds())));
    }

    /**
     * A client quiet for the activity timeout is pinged; one that answers nothing for the pong
     * timeout after that is gone and closed with 4201, which tells pusher-js to reconnect at once.
     */
    @Override
    public void beat() {
        long quietNanos = System.nanoTime() - lastHeardNanos;
        long activityNanos = gateway.activityTimeout().toNanos();
        if (pingSent && quietNanos > activityNanos + gateway.pongTimeout().toNanos()) {
            closeWith(PusherGateway.PONG_NOT_RECEIVED, "Pong reply not received");
        } else if (!pingSent && quietNanos >= activityNanos) {
            pingSent = true;
            ctx.writeAndFlush(text(Frames.ping()));
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        lastHeardNanos = System.nanoTime();
        pingSent = false;
        if (!counted) {
            return;
        }
        if (frame instanceof TextWebSocketFrame textFrame) {
            String problem = handle(textFrame.text());
            if (problem != null) {
                ctx.writeAndFlush(text(Frames.error(PusherGateway.PROTOCOL_ERROR, problem)));
            }
        } else if (frame instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
        } else if (frame instanceof CloseWebSocketFrame) {
            ctx.writeAndFlush(frame.retain()).addListener(ChannelFutureListener.CLOSE);
        } else if (!(frame instanceof PongWebSocketFrame)) {
            ctx.writeAndFlush(text(Frames.error(PusherGateway.PROTOCOL_ERROR, "Only text frames are understood")));
        }
    }

    /** Applies one frame; returns a protocol error to report, or null (other refusals answer themselves). */
    private String handle(String frameText) {
        JsonNode frame;
        try {
            frame = Frames.MAPPER.readTree(frameText);
        } catch (IOException e) {
            return "A frame must be a JSON object: {\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"x\"}}";
        }
        if (frame == null || !frame.isObject() || !frame.path("event").isTextual()) {
            return "A frame must be a JSON object with an \"event\" string";
        }
        String event = frame.get("event").asText();
        JsonNode data = Frames.dataOf(frame);
        switch (event) {
            case "pusher:ping" -> {
                ctx.writeAndFlush(text(Frames.pong()));
                return null;
            }
            case "pusher:pong" -> {
                return null;
            }
            case "pusher:subscribe" -> {
                return feeds.subscribe(this, data);
            }
            case "pusher:unsubscribe" -> {
                return feeds.unsubscribe(data);
            }
            default -> {
                if (event.startsWith("client-")) {
                    String refusal = ClientEvents.relay(gateway, app, socketId, feeds.get(frame.path("channel").asText("")), frame, event);
                    if (refusal != null) {
                        ctx.writeAndFlush(text(refusal));
                    }
                    return null;
                }
                return "Unsupported event received on socket: " + Frames.abbreviate(event);
            }
        }
    }

    /** From any thread: queues a frame to this connection (member events of other connections' joins). */
    @Override
    public void send(String frame) {
        loop.execute(() -> {
            if (ctx.channel().isActive()) {
                ctx.writeAndFlush(text(frame));
            }
        });
    }

    /** A refusal of the whole connection: pusher:error, then the close code pusher-js acts on. */
    private void refuseConnection(int code, String message) {
        ctx.write(text(Frames.error(code, message)));
        closeWith(code, message);
    }

    void closeWith(int code, String reason) {
        ctx.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        ACTIVITY_CHECKS.leave(this);
        feeds.stopAll();
        if (counted) {
            app.release();
        }
        super.channelInactive(ctx);
    }

    @Override
    public int wheelPosition() {
        return wheelPosition;
    }

    @Override
    public void wheelPosition(int position) {
        wheelPosition = position;
    }

    ChannelHandlerContext ctx() {
        return ctx;
    }

    EventLoop loop() {
        return loop;
    }

    PusherGateway gateway() {
        return gateway;
    }

    PusherGateway.App app() {
        return app;
    }

    String socketId() {
        return socketId;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("event=pusher_connection_error app={} cause={}", app.app().id(), cause.toString());
        ctx.close();
    }

    static TextWebSocketFrame text(String json) {
        return new TextWebSocketFrame(Unpooled.wrappedBuffer(json.getBytes(StandardCharsets.UTF_8)));
    }

}
