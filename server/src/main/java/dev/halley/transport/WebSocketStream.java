package dev.halley.transport;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halley.auth.SubscriberTokens;
import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import dev.halley.presence.Member;
import dev.halley.presence.PresenceEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A WebSocket stream: JSON text frames out (one message each), subscribe/unsubscribe operations
 * in. Replaces the router once the handshake is answered.
 */
final class WebSocketStream extends SimpleChannelInboundHandler<WebSocketFrame>
        implements StreamSession.Sink, HeartbeatWheel.Stream {

    /** Room for the longest frame header a server sends: two bytes and a 64-bit length. */
    private static final int MAX_FRAME_HEADER = 10;

    /**
     * Frames carry no per-connection id, so every WebSocket subscriber shares one encoding, whole
     * frame included: the frame encoder lets bytes that are already a frame pass untouched.
     */
    private static final SharedEncoding FRAMES = new SharedEncoding(WebSocketStream::textFrame);

    private final Node node;
    private final StreamSession session;
    private final SubscriberTokens.Grant grant;
    private ChannelHandlerContext ctx;
    private int wheelPosition = -1;
    private long lastHeardNanos;
    private boolean counted;

    private WebSocketStream(ChannelHandlerContext routerCtx, Node node, SubscriberTokens.Grant grant, Member member) {
        this.node = node;
        this.grant = grant;
        this.session = new StreamSession(routerCtx.channel(), node, this, member);
    }

    /**
     * @param grant what the subscriber token allows, or null when subscribing is open
     * @param member whose connection this is, for presence; null when anonymous
     */
    static void start(ChannelHandlerContext ctx, Node node, FullHttpRequest request, SubscribeRequest sub,
                      SubscriberTokens.Grant grant, Member member) {
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
        if (!request.headers().contains(HttpHeaderNames.SEC_WEBSOCKET_KEY)) {
            // RFC 6455 section 4.2.1: a handshake that is not one is answered, with 400.
            node.counters().rejected(NodeCounters.Reject.BAD_REQUEST);
            Replies.error(ctx, HttpResponseStatus.BAD_REQUEST, "a WebSocket handshake needs Sec-WebSocket-Key", false);
            return;
        }
        WebSocketStream stream = new WebSocketStream(ctx, node, grant, member);
        ctx.pipeline().replace(ctx.handler(), "ws", stream);
        ctx.pipeline().addBefore("ws", "ws-aggregator", new WebSocketFrameAggregator(node.limits().maxMessageBytes()));
        handshaker.handshake(ctx.channel(), request).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                f.channel().close();
                return;
            }
            // The handshake answer has passed CORS on its way out; nothing needs it any more.
            HttpPipeline.dropRequestHandling(stream.ctx.pipeline());
            stream.opened(sub);
        });
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    private void opened(SubscribeRequest sub) {
        node.counters().transportStarted(Transport.WEBSOCKET);
        counted = true;
        for (SubscribeRequest.TopicCursor tc : sub.topics()) {
            session.subscribe(tc.topic(), tc.cursor());
        }
        lastHeardNanos = System.nanoTime();
        HeartbeatWheel.join(ctx.channel().eventLoop(), node.options().heartbeat(), this);
    }

    /** Pings, and closes a peer that has not answered anything for two heartbeats: it is gone. */
    @Override
    public void beat() {
        long periodNanos = node.options().heartbeat().toNanos();
        if (System.nanoTime() - lastHeardNanos > 2 * periodNanos + periodNanos / 2) {
            node.counters().rejected(NodeCounters.Reject.DEAD_PEER);
            ctx.close();
            return;
        }
        ctx.writeAndFlush(new PingWebSocketFrame());
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        lastHeardNanos = System.nanoTime();
        if (frame instanceof TextWebSocketFrame text) {
            // Checked on the whole message, so a character may span fragments; text that is not
            // UTF-8 fails the connection (RFC 6455 section 8.1). A handler of its own for this
            // would cost every idle WebSocket a pipeline slot.
            if (!ByteBufUtil.isText(text.content(), StandardCharsets.UTF_8)) {
                close(ctx, new CloseWebSocketFrame(WebSocketCloseStatus.INVALID_PAYLOAD_DATA));
                return;
            }
            String problem = operate(text.text());
            if (problem != null) {
                ctx.writeAndFlush(new TextWebSocketFrame(ctx.alloc().buffer().writeBytes(Envelopes.wsError(problem))));
            }
        } else if (frame instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
        } else if (frame instanceof CloseWebSocketFrame) {
            close(ctx, (CloseWebSocketFrame) frame.retain());
        } else if (!(frame instanceof PongWebSocketFrame)) {
            ctx.writeAndFlush(new TextWebSocketFrame(ctx.alloc().buffer().writeBytes(Envelopes.wsError("only text frames are understood"))));
        }
    }

    /** Applies one client operation; returns why it failed, or null. */
    private String operate(String text) {
        JsonNode op;
        try {
            op = Envelopes.MAPPER.readTree(text);
        } catch (IOException e) {
            return "a frame must be JSON: {\"op\":\"subscribe\",\"channel\":\"x\"}";
        }
        if (op == null || !op.isObject()) {
            return "a frame must be a JSON object";
        }
        Topic topic;
        try {
            topic = topicOf(op);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        String verb = op.path("op").asText("");
        switch (verb) {
            case "subscribe" -> {
                if (grant != null && !grant.covers(topic)) {
                    return "the token does not cover " + topic;
                }
                MessageId since = null;
                if (op.hasNonNull("since")) {
                    try {
                        since = MessageId.parse(op.get("since").asText());
                    } catch (IllegalArgumentException e) {
                        return e.getMessage();
                    }
                }
                return session.subscribe(topic, since);
            }
            case "unsubscribe" -> {
                return session.unsubscribe(topic);
            }
            default -> {
                return "op must be subscribe or unsubscribe";
            }
        }
    }

    private Topic topicOf(JsonNode op) {
        boolean client = op.hasNonNull("client");
        boolean channel = op.hasNonNull("channel");
        if (client == channel) {
            throw new IllegalArgumentException("name exactly one of client or channel");
        }
        String name = (client ? op.get("client") : op.get("channel")).asText();
        SubscribeRequest.checkName(name, node.limits());
        return client ? Topic.client(name) : Topic.channel(name);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        session.close();
        HeartbeatWheel.leave(this);
        if (counted) {
            node.counters().transportEnded(Transport.WEBSOCKET);
        }
        super.channelInactive(ctx);
    }

    /** The node drains: close 1012 (service restart) tells the client to reconnect, elsewhere. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt != NodeAdmin.DRAIN) {
            super.userEventTriggered(ctx, evt);
            return;
        }
        close(ctx, new CloseWebSocketFrame(WebSocketCloseStatus.SERVICE_RESTART));
    }

    /**
     * Sends the closing handshake's frame and closes (RFC 6455 section 5.5.1). The handshaker
     * would do the same, but keeping it for this alone costs every idle connection its request URL.
     */
    private static void close(ChannelHandlerContext ctx, CloseWebSocketFrame frame) {
        ctx.writeAndFlush(frame).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    @Override
    public void gap(Topic topic, MessageId cursor, String eventId) {
        ctx.write(new TextWebSocketFrame(Envelopes.gap(topic, cursor, true)));
    }

    @Override
    public void message(Message message, String eventId) {
        ctx.write(FRAMES.retainedFor(message));
    }

    @Override
    public void presence(PresenceEvent event) {
        ctx.write(new TextWebSocketFrame(Envelopes.presence(event, true, true)));
    }

    /** A final, unmasked text frame (RFC 6455 section 5.2) carrying the message's envelope. */
    private static ByteBuf textFrame(Message m) {
        ByteBuf frame = ByteBufAllocator.DEFAULT.buffer(MAX_FRAME_HEADER + m.json().length + 96);
        frame.writerIndex(MAX_FRAME_HEADER);
        Envelopes.writeMessage(frame, m, true);
        int length = frame.writerIndex() - MAX_FRAME_HEADER;
        int start;
        if (length < 126) {
            start = MAX_FRAME_HEADER - 2;
            frame.setByte(start + 1, length);
        } else if (length <= 0xFFFF) {
            start = MAX_FRAME_HEADER - 4;
            frame.setByte(start + 1, 126);
            frame.setShort(start + 2, length);
        } else {
            start = 0;
            frame.setByte(1, 127);
            frame.setLong(2, length);
        }
        frame.setByte(start, 0x81);
        return frame.readerIndex(start);
    }

    @Override
    public void flush() {
        ctx.flush();
    }

    @Override
    public int wheelPosition() {
        return wheelPosition;
    }

    @Override
    public void wheelPosition(int position) {
        wheelPosition = position;
    }

}
