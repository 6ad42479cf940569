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
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
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
 *
 * <p>A plain-text stream on epoll then leaves Netty's channel at once and goes on over a
 * {@link HeldSocket}, reading its client's frames with a {@link ClientFrameReader}: it writes ready
 * frames to the socket, and the socket's close ends it. Taken right after the handshake answer is
 * flushed, before subscribing (whose backlog would be written to the channel): a client may send
 * nothing before it has that answer (RFC 6455 section 4.1), and no read runs between the flush and
 * its listener when the answer is written within the handshake call, so Netty holds no frame
 * bytes of this client yet. A stream that cannot leave then (TLS, another transport, an answer the
 * socket did not take at once) stays on its channel for good: later, Netty's decoder or aggregator
 * may hold part of a frame that moving would lose.
 */
final class WebSocketStream extends SimpleChannelInboundHandler<WebSocketFrame>
        implements StreamSession.Sink, HeartbeatWheel.Stream, HeldSocket.Owner, ClientFrameReader.Peer {

    /** Room for the longest frame header a server sends: two bytes and a 64-bit length. */
    private static final int MAX_FRAME_HEADER = 10;

    /**
     * Frames carry no per-connection id, so every WebSocket subscriber shares one encoding, whole
     * frame included: the frame encoder lets bytes that are already a frame pass untouched.
     */
    private static final SharedEncoding FRAMES = new SharedEncoding(WebSocketStream::textFrame);

    private static final int FINAL_TEXT = 0x81;
    private static final int FINAL_CLOSE = 0x88;
    private static final int FINAL_PONG = 0x8A;
    /** A ping with no payload, as a held stream sends it; write a {@code duplicate()}. */
    private static final ByteBuf PING = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(2).writeByte(0x89).writeByte(0).asReadOnly());

    private final Node node;
    private final StreamSession session;
    private final SubscriberTokens.Grant grant;
    /** Null once the stream is held. */
    private ChannelHandlerContext ctx;
    /** Null while the stream is on its Netty channel. */
    private HeldSocket held;
    private ClientFrameReader frames;
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
        ChannelFuture handshake = handshaker.handshake(ctx.channel(), request);
        // Written whole within this call, so no read has run since the request: see the class comment.
        boolean answeredAtOnce = handshake.isDone();
        handshake.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                f.channel().close();
                return;
            }
            // The handshake answer has passed CORS on its way out; nothing needs it any more.
            HttpPipeline.dropRequestHandling(stream.ctx.pipeline());
            EventLoop loop = stream.ctx.channel().eventLoop();
            if (answeredAtOnce) {
                stream.leaveNettyIfIdle();
            }
            stream.opened(loop, sub);
        });
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Moves onto a {@link HeldSocket} if the channel can leave Netty now. */
    private void leaveNettyIfIdle() {
        if (!HeldSocket.canHold(ctx.channel())) {
            return;
        }
        frames = new ClientFrameReader(this, node.limits().maxMessageBytes());
        held = HeldSocket.take(ctx.channel(), node, this, frames);
        session.movedTo(held);
        // The abandoned channel must not stay reachable through this handler.
        ctx = null;
    }

    private void opened(EventLoop loop, SubscribeRequest sub) {
        node.counters().transportStarted(Transport.WEBSOCKET);
        counted = true;
        for (SubscribeRequest.TopicCursor tc : sub.topics()) {
            session.subscribe(tc.topic(), tc.cursor());
        }
        lastHeardNanos = System.nanoTime();
        HeartbeatWheel.join(loop, node.options().heartbeat(), this);
    }

    /** Pings, and closes a peer that has not answered anything for two heartbeats: it is gone. */
    @Override
    public void beat() {
        long periodNanos = node.options().heartbeat().toNanos();
        if (System.nanoTime() - lastHeardNanos > 2 * periodNanos + periodNanos / 2) {
            node.counters().rejected(NodeCounters.Reject.DEAD_PEER);
            if (held != null) {
                held.close();
            } else {
                ctx.close();
            }
            return;
        }
        if (held != null) {
            held.write(PING.duplicate());
            held.flush();
        } else {
            ctx.writeAndFlush(new PingWebSocketFrame());
        }
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
        ended();
        super.channelInactive(ctx);
    }

    @Override
    public void socketClosed() {
        frames.release();
        ended();
    }

    private void ended() {
        session.close();
        HeartbeatWheel.leave(this);
        if (counted) {
            node.counters().transportEnded(Transport.WEBSOCKET);
        }
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

    @Override
    public void drain() {
        failed(WebSocketCloseStatus.SERVICE_RESTART);
    }

    @Override
    public void text(String text) {
        String problem = operate(text);
        if (problem != null) {
            held.write(heldFrame(FINAL_TEXT, Unpooled.wrappedBuffer(Envelopes.wsError(problem))));
            held.flush();
        }
    }

    @Override
    public void binary() {
        held.write(heldFrame(FINAL_TEXT, Unpooled.wrappedBuffer(Envelopes.wsError("only text frames are understood"))));
        held.flush();
    }

    @Override
    public void ping(ByteBuf payload) {
        held.write(heldFrame(FINAL_PONG, payload));
        held.flush();
    }

    @Override
    public void heard() {
        lastHeardNanos = System.nanoTime();
    }

    /** The client's close frame goes back as it came (RFC 6455 section 5.5.1), then the socket closes. */
    @Override
    public void closing(ByteBuf payload) {
        held.write(heldFrame(FINAL_CLOSE, payload));
        held.closeWhenFlushed();
    }

    @Override
    public void failed(WebSocketCloseStatus status) {
        ByteBuf code = Unpooled.buffer(2).writeShort(status.code());
        held.write(heldFrame(FINAL_CLOSE, code));
        code.release();
        held.closeWhenFlushed();
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
        writeText(Envelopes.gap(topic, cursor, true));
    }

    @Override
    public void message(Message message, String eventId) {
        if (held != null) {
            held.write(FRAMES.sharedFor(message));
        } else {
            ctx.write(FRAMES.retainedFor(message));
        }
    }

    @Override
    public void presence(PresenceEvent event) {
        writeText(Envelopes.presence(event, true, true));
    }

    private void writeText(String envelope) {
        if (held != null) {
            held.write(heldFrame(FINAL_TEXT, Unpooled.wrappedBuffer(envelope.getBytes(StandardCharsets.UTF_8))));
        } else {
            ctx.write(new TextWebSocketFrame(envelope));
        }
    }

    /** A final, unmasked text frame (RFC 6455 section 5.2) carrying the message's envelope. */
    private static ByteBuf textFrame(Message m) {
        ByteBuf frame = ByteBufAllocator.DEFAULT.directBuffer(MAX_FRAME_HEADER + m.json().length + 96);
        frame.writerIndex(MAX_FRAME_HEADER);
        Envelopes.writeMessage(frame, m, true);
        return framed(frame, FINAL_TEXT);
    }

    /** One unmasked frame with {@code payload} (not released here), in native memory for {@code writev}. */
    private static ByteBuf heldFrame(int firstByte, ByteBuf payload) {
        ByteBuf frame = ByteBufAllocator.DEFAULT.directBuffer(MAX_FRAME_HEADER + payload.readableBytes());
        frame.writerIndex(MAX_FRAME_HEADER);
        frame.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
        return framed(frame, firstByte);
    }

    /** Puts the header in front of the payload written after {@link #MAX_FRAME_HEADER} bytes of room. */
    private static ByteBuf framed(ByteBuf frame, int firstByte) {
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
        frame.setByte(start, firstByte);
        return frame.readerIndex(start);
    }

    @Override
    public void flush() {
        if (held != null) {
            held.flush();
        } else {
            ctx.flush();
        }
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
