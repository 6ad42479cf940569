package dev.halley.transport;

import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import dev.halley.presence.Member;
import dev.halley.presence.PresenceEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.unix.FileDescriptor;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

/**
 * A Server-Sent Events stream: a chunked {@code text/event-stream} answer that never ends, one
 * event per message ({@code id:} the cursor, {@code data:} the envelope), {@code event: gap} when
 * something is missing, {@code event: join}/{@code leave} for presence watchers, and a comment line every heartbeat so proxies and dead peers are noticed.
 *
 * <p>Once its head is out and nothing is left unsent, a plain-text stream on epoll leaves Netty's
 * channel and goes on over a {@link HeldSocket} (tried when the head is flushed and again at each
 * heartbeat): from then on it writes to the socket, and the socket's close ends it.
 */
final class SseStream extends WriteOnlyStream implements StreamSession.Sink, HeartbeatWheel.Stream, HeldSocket.Owner {

    private static final ByteBuf OPENED = Chunks.constant(":ok\n\n");
    private static final ByteBuf HEARTBEAT = Chunks.constant(":hb\n\n");
    /** What {@link #takeOver}'s head encodes to with no extra headers (no CORS origin). */
    private static final ByteBuf HELD_HEAD = Unpooled.unreleasableBuffer(Unpooled.directBuffer().writeBytes((
            "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\ncache-control: no-cache\r\n"
            + "X-Accel-Buffering: no\r\ntransfer-encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII)).asReadOnly());
    private static final ByteBuf DRAINED = Chunks.constant("retry: " + AdminEndpoint.RECONNECT_AFTER_MILLIS + "\n\n");

    /** Events of single-subscription streams, whose id is the message's: the same bytes for all of them. */
    private static final SharedEncoding SINGLE_TOPIC_EVENTS =
            new SharedEncoding(m -> event(ByteBufAllocator.DEFAULT, m.id().toString(), m));

    private final Node node;
    private final StreamSession session;
    private int wheelPosition = -1;
    /** Null while the stream is on its Netty channel. */
    private HeldSocket held;

    private SseStream(ChannelHandlerContext routerCtx, Node node, Member member) {
        this.node = node;
        this.session = new StreamSession(routerCtx.channel(), node, this, member);
    }

    private SseStream(EventLoop loop, Node node, Member member) {
        this.node = node;
        this.session = new StreamSession(loop, node, this, member);
    }

    /**
     * Answers {@code routerCtx}'s request with the head of an endless event stream and puts
     * {@code stream} in the router's place. Nothing else is read on this connection and the head
     * is the last thing HTTP encodes, so the whole HTTP codec, aggregator, CORS and head timeout
     * go: an idle stream keeps only its own handler, and writes bytes framed by {@link Chunks}.
     * The head is written, not flushed.
     */
    static void takeOver(ChannelHandlerContext routerCtx, String name, ChannelHandler stream) {
        takeOver(routerCtx, name, stream, EmptyHttpHeaders.INSTANCE);
    }

    /** {@link #takeOver(ChannelHandlerContext, String, ChannelHandler)} with {@code extra} headers in the head. */
    static void takeOver(ChannelHandlerContext routerCtx, String name, ChannelHandler stream, HttpHeaders extra) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers()
                .add(extra)
                .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
                .set("X-Accel-Buffering", "no");
        HttpUtil.setTransferEncodingChunked(head, true);
        // The codec encodes the head on write, synchronously; after that it has nothing left to do.
        routerCtx.write(head);
        HttpPipeline.dropRequestHandling(routerCtx.pipeline());
        routerCtx.pipeline().remove(HttpPipeline.CODEC);
        routerCtx.pipeline().replace(routerCtx.handler(), name, stream);
    }

    /**
     * Opens a subscription stream in the router's place and subscribes its topics.
     *
     * @param member whose stream this is, for presence; null when anonymous
     */
    static void start(ChannelHandlerContext ctx, Node node, SubscribeRequest request, Member member) {
        SseStream stream = new SseStream(ctx, node, member);
        takeOver(ctx, "sse", stream);
        stream.ctx.writeAndFlush(OPENED.duplicate()).addListener(f -> {
            if (f.isSuccess()) {
                stream.leaveNettyIfIdle();
            }
        });
        node.counters().transportStarted(Transport.SSE);
        for (SubscribeRequest.TopicCursor tc : request.topics()) {
            stream.session.subscribe(tc.topic(), tc.cursor());
        }
        HeartbeatWheel.join(ctx.channel().eventLoop(), node.options().heartbeat(), stream);
    }

    /**
     * Opens a subscription stream on {@code fd}, a plain socket accepted on {@code loop} whose
     * request head was read without Netty: writes the same answer head {@link #takeOver} would
     * encode, holds the socket at once and subscribes its topics. Called on {@code loop}.
     */
    static void startHeld(EventLoop loop, Node node, FileDescriptor fd, InetAddress peer, SubscribeRequest request, Member member) {
        SseStream stream = new SseStream(loop, node, member);
        node.counters().transportStarted(Transport.SSE);
        stream.held = HeldSocket.adopt(fd, loop, node, peer, stream);
        if (!stream.held.isOpen()) {
            return;
        }
        stream.session.movedTo(stream.held);
        stream.held.write(HELD_HEAD.duplicate());
        stream.held.write(OPENED.duplicate());
        stream.held.flush();
        for (SubscribeRequest.TopicCursor tc : request.topics()) {
            stream.session.subscribe(tc.topic(), tc.cursor());
        }
        HeartbeatWheel.join(loop, node.options().heartbeat(), stream);
    }

    /** Moves onto a {@link HeldSocket} if this stream is still on a channel that can leave Netty now. */
    private void leaveNettyIfIdle() {
        if (held != null || ctx == null || !HeldSocket.canHold(ctx.channel())) {
            return;
        }
        held = HeldSocket.take(ctx.channel(), node, this);
        session.movedTo(held);
        // The abandoned channel must not stay reachable through this handler.
        ctx = null;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        ended();
        super.channelInactive(ctx);
    }

    @Override
    public void socketClosed() {
        ended();
    }

    private void ended() {
        session.close();
        HeartbeatWheel.leave(this);
        node.counters().transportEnded(Transport.SSE);
    }

    /** The node drains: tell the client when to come back (to another node, via its balancer) and end the stream. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt != NodeAdmin.DRAIN) {
            super.userEventTriggered(ctx, evt);
            return;
        }
        ctx.write(DRAINED.duplicate());
        ctx.writeAndFlush(Chunks.LAST.duplicate()).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void drain() {
        held.write(DRAINED.duplicate());
        held.write(Chunks.LAST.duplicate());
        held.closeWhenFlushed();
    }

    @Override
    public void gap(Topic topic, MessageId cursor, String eventId) {
        String event = "id: " + eventId + "\nevent: gap\ndata: " + Envelopes.gap(topic, cursor, false) + "\n\n";
        write(Chunks.of(ByteBufAllocator.DEFAULT, event));
    }

    @Override
    public void message(Message message, String eventId) {
        if (eventId == null) {
            if (held != null) {
                held.write(SINGLE_TOPIC_EVENTS.sharedFor(message));
            } else {
                ctx.write(SINGLE_TOPIC_EVENTS.retainedFor(message));
            }
            return;
        }
        write(event(ByteBufAllocator.DEFAULT, eventId, message));
    }

    /** {@code event: join} or {@code leave} with no id line: a presence event moves no cursor. */
    @Override
    public void presence(PresenceEvent event) {
        write(Chunks.of(ByteBufAllocator.DEFAULT, "event: " + event.kind().word() + "\ndata: "
                + Envelopes.presence(event, false, false) + "\n\n"));
    }

    private void write(ByteBuf chunk) {
        if (held != null) {
            held.write(chunk);
        } else {
            ctx.write(chunk);
        }
    }

    /** One chunk carrying {@code id: <eventId>}, {@code data: <envelope>} and a blank line. */
    private static ByteBuf event(ByteBufAllocator alloc, String eventId, Message message) {
        ByteBuf chunk = Chunks.begin(alloc, eventId.length() + message.json().length + 96);
        chunk.writeCharSequence("id: ", StandardCharsets.US_ASCII);
        chunk.writeCharSequence(eventId, StandardCharsets.US_ASCII);
        chunk.writeCharSequence("\ndata: ", StandardCharsets.US_ASCII);
        Envelopes.writeMessage(chunk, message, false);
        chunk.writeCharSequence("\n\n", StandardCharsets.US_ASCII);
        return Chunks.end(chunk);
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
    public void beat() {
        write(HEARTBEAT.duplicate());
        flush();
        leaveNettyIfIdle();
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
