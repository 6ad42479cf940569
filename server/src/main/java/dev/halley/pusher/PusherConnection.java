package dev.halley.pusher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halley.message.MessageId;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
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
final class PusherConnection extends SimpleChannelInboundHandler<WebSocketFrame> implements AppChannels.Listener {

    private static final Logger log = LoggerFactory.getLogger(PusherConnection.class);

    /**
     * A cursor from no real epoch: the broker answers it with all the history it keeps and a gap,
     * which is how a {@code cache-} subscriber learns the last event without knowing the epoch.
     */
    private static final MessageId BEFORE_ALL_HISTORY = new MessageId("pusherCache", 0);

    private final PusherGateway gateway;
    private final PusherGateway.App app;
    private final String socketId;
    private final Map<String, ChannelFeed> feeds = new HashMap<>();
    private ChannelHandlerContext ctx;
    private EventLoop loop;
    private long lastHeardNanos;
    private boolean pingSent;
    private boolean counted;
    private ScheduledFuture<?> activityCheck;

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
        long activityNanos = gateway.activityTimeout().toNanos();
        activityCheck = loop.scheduleAtFixedRate(this::checkActivity, activityNanos / 2, activityNanos / 2, TimeUnit.NANOSECONDS);
        ctx.writeAndFlush(text(Frames.connectionEstablished(socketId, (int) gateway.activityTimeout().toSeconds())));
    }

    /**
     * A client quiet for the activity timeout is pinged; one that answers nothing for the pong
     * timeout after that is gone and closed with 4201, which tells pusher-js to reconnect at once.
     */
    private void checkActivity() {
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
        JsonNode data = dataOf(frame);
        switch (event) {
            case "pusher:ping" -> {
                ctx.writeAndFlush(text(Frames.pong()));
                return null;
            }
            case "pusher:pong" -> {
                return null;
            }
            case "pusher:subscribe" -> {
                return subscribe(data);
            }
            case "pusher:unsubscribe" -> {
                return unsubscribe(data);
            }
            default -> {
                if (event.startsWith("client-")) {
                    clientEvent(frame, event);
                    return null;
                }
                return "Unsupported event received on socket: " + abbreviate(event);
            }
        }
    }

    /** pusher-js sends {@code data} as an object; some clients send it as a JSON string. */
    private static JsonNode dataOf(JsonNode frame) {
        JsonNode data = frame.path("data");
        if (data.isTextual()) {
            try {
                JsonNode parsed = Frames.MAPPER.readTree(data.asText());
                return parsed == null ? data : parsed;
            } catch (IOException e) {
                return data;
            }
        }
        return data;
    }

    private String subscribe(JsonNode data) {
        if (!data.path("channel").isTextual()) {
            return "pusher:subscribe needs data.channel";
        }
        String channel = data.get("channel").asText();
        String problem = ChannelName.problem(channel);
        if (problem != null) {
            return problem;
        }
        if (feeds.containsKey(channel)) {
            return "Already subscribed to " + channel;
        }
        if (feeds.size() >= gateway.maxChannelsPerConnection()) {
            refuseSubscription(channel, 429, PusherGateway.OVER_CAPACITY,
                    "Over capacity: at most " + gateway.maxChannelsPerConnection() + " channels per connection");
            return null;
        }
        ChannelName name = ChannelName.of(channel);
        String userId = null;
        JsonNode userInfo = null;
        if (name.signed()) {
            // The server SDKs sign channel_data into any channel's auth when the app passes it.
            String channelData = data.path("channel_data").isTextual() ? data.get("channel_data").asText() : null;
            if (name.access() == ChannelName.Access.PRESENCE) {
                if (channelData == null) {
                    refuseSubscription(channel, 400, PusherGateway.UNAUTHORIZED, "Presence channels need channel_data with a user_id");
                    return null;
                }
                JsonNode member = parseOrNull(channelData);
                JsonNode id = member == null ? null : member.get("user_id");
                if (id == null || !(id.isTextual() || id.isIntegralNumber()) || id.asText().isEmpty()) {
                    refuseSubscription(channel, 400, PusherGateway.UNAUTHORIZED, "channel_data must be a JSON object with a user_id");
                    return null;
                }
                userId = id.asText();
                userInfo = member.get("user_info");
            }
            String auth = data.path("auth").isTextual() ? data.get("auth").asText() : null;
            if (!Signatures.channelAuthValid(app.app(), auth, socketId, channel, channelData)) {
                refuseSubscription(channel, 401, PusherGateway.UNAUTHORIZED, "Invalid signature for " + channel);
                return null;
            }
        }
        ChannelFeed feed = new ChannelFeed(this, name, userId, userInfo);
        feeds.put(channel, feed);
        feed.start(gateway.hub(), gateway.topic(app.app(), channel), name.cache() ? BEFORE_ALL_HISTORY : null);
        return null;
    }

    private static JsonNode parseOrNull(String json) {
        try {
            JsonNode node = Frames.MAPPER.readTree(json);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    private void refuseSubscription(String channel, int status, int code, String message) {
        log.debug("event=pusher_subscription_refused app={} channel={} status={}", app.app().id(), channel, status);
        ctx.write(text(Frames.subscriptionError(channel, status, message)));
        ctx.writeAndFlush(text(Frames.error(code, message)));
    }

    private String unsubscribe(JsonNode data) {
        if (!data.path("channel").isTextual()) {
            return "pusher:unsubscribe needs data.channel";
        }
        ChannelFeed feed = feeds.remove(data.get("channel").asText());
        if (feed != null) {
            feed.stop();
        }
        return null;
    }

    /** Relays a {@code client-*} event to the channel's other subscribers, never back to this one. */
    private void clientEvent(JsonNode frame, String event) {
        String channel = frame.path("channel").asText("");
        ChannelFeed feed = feeds.get(channel);
        String refusal = null;
        if (!app.app().clientEvents()) {
            refusal = "Client events are not enabled for this app";
        } else if (feed == null || !feed.joined()) {
            refusal = "Client event rejected: not subscribed to '" + abbreviate(channel) + "'";
        } else if (!feed.name().takesClientEvents()) {
            refusal = "Client event rejected: client events are only supported on private and presence channels";
        } else if (event.length() > ChannelName.MAX_LENGTH) {
            refusal = "Client event rejected: an event name is at most " + ChannelName.MAX_LENGTH + " characters";
        }
        if (refusal != null) {
            ctx.writeAndFlush(text(Frames.error(PusherGateway.UNAUTHORIZED, refusal)));
            return;
        }
        JsonNode data = frame.path("data");
        if (Frames.text(data).getBytes(StandardCharsets.UTF_8).length > app.app().maxEventBytes()) {
            ctx.writeAndFlush(text(Frames.error(PusherGateway.PROTOCOL_ERROR,
                    "Client event rejected: data is larger than " + app.app().maxEventBytes() + " bytes")));
            return;
        }
        String userId = feed.name().access() == ChannelName.Access.PRESENCE ? feed.userId() : null;
        gateway.hub().publish(gateway.topic(app.app(), channel), Frames.stored(socketId, channel, event, data, userId));
        if (app.webhooks() != null) {
            app.webhooks().clientEvent(channel, event, data, socketId, userId);
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
        if (activityCheck != null) {
            activityCheck.cancel(false);
        }
        for (ChannelFeed feed : List.copyOf(feeds.values())) {
            feed.stop();
        }
        feeds.clear();
        if (counted) {
            app.release();
        }
        super.channelInactive(ctx);
    }

    ChannelHandlerContext ctx() {
        return ctx;
    }

    EventLoop loop() {
        return loop;
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

    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "…";
    }
}
