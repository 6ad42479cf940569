package dev.halley.edge;

import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A Server-Sent Events stream: a chunked {@code text/event-stream} answer that never ends, one
 * event per message ({@code id:} the cursor, {@code data:} the envelope), {@code event: gap} when
 * something is missing, and a comment line every heartbeat so proxies and dead peers are noticed.
 */
final class SseStream extends WriteOnlyStream implements StreamSession.Sink {

    private static final ByteBuf OPENED = Unpooled.unreleasableBuffer(
            Unpooled.copiedBuffer(":ok\n\n", StandardCharsets.US_ASCII).asReadOnly());
    private static final ByteBuf HEARTBEAT = Unpooled.unreleasableBuffer(
            Unpooled.copiedBuffer(":hb\n\n", StandardCharsets.US_ASCII).asReadOnly());

    /** Events of single-subscription streams, whose id is the message's: the same bytes for all of them. */
    private static final SharedEncoding SINGLE_TOPIC_EVENTS =
            new SharedEncoding((buf, m) -> writeEvent(buf, m.id().toString(), m));

    private final Node node;
    private final StreamSession session;
    private ScheduledFuture<?> heartbeat;

    private SseStream(ChannelHandlerContext routerCtx, Node node) {
        this.node = node;
        this.session = new StreamSession(routerCtx.channel(), node, this);
    }

    /**
     * Answers {@code routerCtx}'s request with the head of an endless event stream and puts
     * {@code stream} in the router's place: nothing else is read on this connection, so the
     * request decoder, aggregator, CORS and head timeout go (an idle stream keeps only what it
     * writes with). The head is written, not flushed.
     */
    static void takeOver(ChannelHandlerContext routerCtx, String name, ChannelHandler stream) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
                .set("X-Accel-Buffering", "no");
        HttpUtil.setTransferEncodingChunked(head, true);
        routerCtx.write(head);
        HttpInitializer.dropRequestHandling(routerCtx.pipeline());
        ((HttpServerCodec) routerCtx.pipeline().get(HttpInitializer.CODEC)).removeInboundHandler();
        routerCtx.pipeline().replace(routerCtx.handler(), name, stream);
    }

    /** Opens a subscription stream in the router's place and subscribes its topics. */
    static void start(ChannelHandlerContext ctx, Node node, SubscribeRequest request) {
        SseStream stream = new SseStream(ctx, node);
        takeOver(ctx, "sse", stream);
        stream.ctx.writeAndFlush(new DefaultHttpContent(OPENED.duplicate()));
        node.counters().transportStarted(Transport.SSE);
        for (SubscribeRequest.TopicCursor tc : request.topics()) {
            stream.session.subscribe(tc.topic(), tc.cursor());
        }
        long periodNanos = node.options().heartbeat().toNanos();
        stream.heartbeat = ctx.executor().scheduleAtFixedRate(stream::beat, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        session.close();
        heartbeat.cancel(false);
        node.counters().transportEnded(Transport.SSE);
        super.channelInactive(ctx);
    }

    /** The node drains: tell the client when to come back (to another node, via its balancer) and end the stream. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt != NodeAdmin.DRAIN) {
            super.userEventTriggered(ctx, evt);
            return;
        }
        ctx.write(new DefaultHttpContent(Unpooled.copiedBuffer("retry: " + AdminEndpoint.RECONNECT_AFTER_MILLIS + "\n\n",
                StandardCharsets.US_ASCII)));
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void gap(Topic topic, MessageId cursor, String eventId) {
        String event = "id: " + eventId + "\nevent: gap\ndata: " + Envelopes.gap(topic, cursor, false) + "\n\n";
        ctx.write(new DefaultHttpContent(Unpooled.copiedBuffer(event, StandardCharsets.US_ASCII)));
    }

    @Override
    public void message(Message message, String eventId) {
        if (eventId == null) {
            ctx.write(new DefaultHttpContent(SINGLE_TOPIC_EVENTS.retainedFor(message)));
            return;
        }
        ByteBuf buf = ctx.alloc().buffer(eventId.length() + message.json().length + 96);
        writeEvent(buf, eventId, message);
        ctx.write(new DefaultHttpContent(buf));
    }

    /** {@code id: <eventId>}, {@code data: <envelope>}, blank line. */
    private static void writeEvent(ByteBuf buf, String eventId, Message message) {
        buf.writeCharSequence("id: ", StandardCharsets.US_ASCII);
        buf.writeCharSequence(eventId, StandardCharsets.US_ASCII);
        buf.writeCharSequence("\ndata: ", StandardCharsets.US_ASCII);
        Envelopes.writeMessage(buf, message, false);
        buf.writeCharSequence("\n\n", StandardCharsets.US_ASCII);
    }

    @Override
    public void flush() {
        ctx.flush();
    }

    private void beat() {
        ctx.writeAndFlush(new DefaultHttpContent(HEARTBEAT.duplicate()));
    }
}
