package dev.halley.transport;

import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import dev.halley.transport.mercure.MercureGrant;
import dev.halley.transport.mercure.MercureUpdate;
import dev.halley.transport.mercure.TopicSelector;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Mercure subscription: an SSE stream fed by the hub's one Mercure channel, passing on the
 * updates whose topics its selectors match and that its grant may receive. Updates are decoded
 * and encoded once per loop, not once per subscriber; the filter is all that runs per stream.
 */
final class MercureStream extends WriteOnlyStream implements StreamSession.Sink, HeartbeatWheel.Stream {

    private static final Logger log = LoggerFactory.getLogger(MercureStream.class);
    private static final ByteBuf OPENED = Chunks.constant(":ok\n\n");
    private static final ByteBuf HEARTBEAT = Chunks.constant(":hb\n\n");
    /** The hub's own event ids: a Halley cursor, so a resume with one is exact. */
    static final String HUB_ID_PREFIX = "urn:halley:";

    /** The latest update decoded, once per loop: every stream on the loop filters the same one. */
    private record Decoded(Message message, MercureUpdate update) {
    }

    private static final FastThreadLocal<Decoded> DECODED = new FastThreadLocal<>();
    private static final SharedEncoding EVENTS = new SharedEncoding(m -> event(ByteBufAllocator.DEFAULT, m, decode(m)));

    private final Node node;
    private final StreamSession session;
    private final List<TopicSelector> selectors;
    private final MercureGrant grant;
    private int wheelPosition = -1;

    private MercureStream(ChannelHandlerContext routerCtx, Node node, List<TopicSelector> selectors, MercureGrant grant) {
        this.node = node;
        this.selectors = selectors;
        this.grant = grant;
        this.session = new StreamSession(routerCtx.channel(), node, this);
    }

    /**
     * Answers the request with an endless event stream from {@code cursor} on (null: new updates
     * only). {@code lastEventId}, when the request asked to resume, is echoed in the
     * {@code Last-Event-ID} header as the spec requires. The stream ends when the grant expires.
     */
    static void start(ChannelHandlerContext ctx, Node node, List<TopicSelector> selectors, MercureGrant grant,
                      MessageId cursor, String lastEventId) {
        MercureStream stream = new MercureStream(ctx, node, selectors, grant);
        HttpHeaders extra = new DefaultHttpHeaders().set("Link", MercureEndpoint.LINK);
        if (lastEventId != null) {
            extra.set(SubscribeRequest.LAST_EVENT_ID, lastEventId);
        }
        SseStream.takeOver(ctx, "mercure", stream, extra);
        stream.ctx.writeAndFlush(OPENED.duplicate());
        node.counters().transportStarted(Transport.SSE);
        stream.session.subscribe(MercureEndpoint.UPDATES, cursor);
        HeartbeatWheel.join(ctx.channel().eventLoop(), node.options().heartbeat(), stream);
        if (grant.expiresAtMillis() > 0) {
            long inMillis = Math.max(0, grant.expiresAtMillis() - System.currentTimeMillis());
            stream.ctx.executor().schedule(() -> {
                log.debug("event=mercure_token_expired remote={}", stream.ctx.channel().remoteAddress());
                stream.ctx.writeAndFlush(Chunks.LAST.duplicate()).addListener(ChannelFutureListener.CLOSE);
            }, inMillis, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        session.close();
        HeartbeatWheel.leave(this);
        node.counters().transportEnded(Transport.SSE);
        super.channelInactive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt != NodeAdmin.DRAIN) {
            super.userEventTriggered(ctx, evt);
            return;
        }
        ctx.write(Chunks.of(ctx.alloc(), "retry: " + AdminEndpoint.RECONNECT_AFTER_MILLIS + "\n\n"));
        ctx.writeAndFlush(Chunks.LAST.duplicate()).addListener(ChannelFutureListener.CLOSE);
    }

    /** Mercure has no word for lost history; the subscriber resumes from what is still kept. */
    @Override
    public void gap(Topic topic, MessageId cursor, String eventId) {
    }

    @Override
    public void message(Message message, String eventId) {
        MercureUpdate update = decode(message);
        if (update != null && update.anyTopicMatches(selectors) && grant.mayReceive(update)) {
            ctx.write(EVENTS.retainedFor(message));
        }
    }

    /** The update a stored message carries, decoded once per loop; null for one that is none. */
    static MercureUpdate decode(Message message) {
        Decoded last = DECODED.get();
        if (last != null && last.message == message) {
            return last.update;
        }
        MercureUpdate update;
        try {
            update = MercureUpdate.fromJson(message.json());
        } catch (IllegalArgumentException e) {
            log.warn("event=mercure_bad_stored_update id={} cause={}", message.id(), e.getMessage());
            update = null;
        }
        DECODED.set(new Decoded(message, update));
        return update;
    }

    /** The event id subscribers see: the publisher's, or the hub's cursor-bearing one. */
    static String eventId(Message message, MercureUpdate update) {
        return update.id() != null ? update.id() : HUB_ID_PREFIX + message.id();
    }

    private static ByteBuf event(ByteBufAllocator alloc, Message message, MercureUpdate update) {
        if (update == null) {
            return Chunks.of(alloc, ":\n\n");
        }
        String id = eventId(message, update);
        ByteBuf chunk = Chunks.begin(alloc, update.data().length() + id.length() + 64);
        chunk.writeCharSequence("id: ", StandardCharsets.US_ASCII);
        chunk.writeCharSequence(id, StandardCharsets.UTF_8);
        if (update.type() != null) {
            chunk.writeCharSequence("\nevent: ", StandardCharsets.US_ASCII);
            chunk.writeCharSequence(update.type(), StandardCharsets.UTF_8);
        }
        if (update.retryMillis() >= 0) {
            chunk.writeCharSequence("\nretry: " + update.retryMillis(), StandardCharsets.US_ASCII);
        }
        // Every line of the data is a data: line of its own; the client joins them with \n.
        for (String line : update.data().split("\r\n|\r|\n", -1)) {
            chunk.writeCharSequence("\ndata: ", StandardCharsets.US_ASCII);
            chunk.writeCharSequence(line, StandardCharsets.UTF_8);
        }
        chunk.writeCharSequence("\n\n", StandardCharsets.US_ASCII);
        return Chunks.end(chunk);
    }

    @Override
    public void flush() {
        ctx.flush();
    }

    @Override
    public void beat() {
        ctx.writeAndFlush(HEARTBEAT.duplicate());
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
