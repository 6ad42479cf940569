package dev.halley.transport;

import dev.halley.hub.Online;
import dev.halley.hub.Subscriber;
import dev.halley.hub.Subscription;
import dev.halley.message.Backlog;
import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import dev.halley.presence.Member;
import dev.halley.presence.PresenceEvent;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One held long-poll request: answered exactly once, by whichever comes first of the backlog
 * (when it holds messages or a gap), a live message, the timeout, or the next request on the
 * connection. The subscriber callbacks run on the topic's loop; the answer is written from there
 * (Netty hands the write to the connection's loop), and {@link #answered} decides the race.
 *
 * <p>In {@link Format#JAVASCRIPT} mode (MegaComet's {@code /{id}.js}) there is no cursor: the
 * poll takes everything the mailbox holds, and what was written is then consumed from it.
 *
 * <p>A poll made on behalf of a client keeps it present for {@link #PRESENCE_LINGER} after the
 * answer, so a client that polls again at once neither leaves nor joins; a watching poll is also
 * answered by a join or leave event, which carries the poll's own cursor on unchanged.
 */
final class LongPoll implements Subscriber {

    enum Format { JSON, JAVASCRIPT }

    /** How long a long-poll client stays present after an answer, waiting for its next poll. */
    static final Duration PRESENCE_LINGER = Duration.ofSeconds(5);

    private static final AtomicIntegerFieldUpdater<LongPoll> ANSWERED =
            AtomicIntegerFieldUpdater.newUpdater(LongPoll.class, "answered");

    private final ChannelHandlerContext ctx;
    private final Node node;
    private final Topic topic;
    private final MessageId requestCursor;
    private final Duration timeout;
    private final Format format;
    private final String callback;
    private final boolean keepAlive;
    private final Member member;
    /** Set in {@link #start} before subscribing, so every answer, which follows the subscription, sees it. */
    private Online online;
    /**
     * 0 until the one answer is claimed, then 1: a field and an updater rather than an
     * {@code AtomicBoolean}, which every held poll would carry as an object of its own.
     */
    private volatile int answered;
    private volatile Subscription subscription;
    private volatile MessageId cursor;
    private ScheduledFuture<?> timer;

    /** @param member on whose behalf the poll is held, for presence (its linger applies); null: anonymous */
    LongPoll(ChannelHandlerContext ctx, Node node, Topic topic, MessageId cursor, Duration timeout,
             Format format, String callback, boolean keepAlive, Member member) {
        this.ctx = ctx;
        this.node = node;
        this.topic = topic;
        this.requestCursor = cursor;
        this.cursor = cursor;
        this.timeout = timeout;
        this.format = format;
        this.callback = callback;
        this.keepAlive = keepAlive;
        this.member = member;
    }

    /** On the connection's loop. */
    void start() {
        node.counters().transportStarted(transport());
        timer = ctx.executor().schedule(this::endNow, timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (member != null) {
            online = node.hub().connect(member);
        }
        Subscription s = format == Format.JAVASCRIPT
                ? node.hub().subscribeConsuming(topic, this)
                : node.hub().subscribe(topic, requestCursor, this, member);
        subscription = s;
        // The backlog may already have answered (same loop, messages waiting) before the
        // subscription was stored above; cancel here so it cannot linger.
        if (answered != 0) {
            s.cancel();
        }
    }

    @Override
    public void onBacklog(Backlog backlog) {
        List<Message> messages = backlog.messages();
        if (messages.isEmpty() && !backlog.gap()) {
            cursor = backlog.cursor();
            return;
        }
        int batch = node.limits().pollBatch();
        if (messages.size() > batch) {
            messages = messages.subList(0, batch);
            answer(messages, List.of(), messages.get(batch - 1).id(), backlog.gap());
        } else {
            answer(messages, List.of(), backlog.cursor(), backlog.gap());
        }
    }

    @Override
    public void onMessage(Message message) {
        answer(List.of(message), List.of(), message.id(), false);
    }

    @Override
    public void onPresence(PresenceEvent event) {
        answer(List.of(), List.of(event), cursor, false);
    }

    @Override
    public void onFailure(Throwable cause) {
        if (finish()) {
            node.counters().transportEnded(transport());
            Replies.error(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "messages unavailable: " + cause.getMessage(), keepAlive);
        }
    }

    /** Answers now with nothing new: the timeout passed, or the next request arrived. */
    void endNow() {
        answer(List.of(), List.of(), cursor, false);
    }

    /** The connection closed: give up without answering. */
    void cancel() {
        if (finish()) {
            node.counters().transportEnded(transport());
        }
    }

    /** Called on the topic's loop when it carries messages (backlog or live), on the connection's otherwise. */
    private void answer(List<Message> messages, List<PresenceEvent> presence, MessageId nextCursor, boolean gap) {
        if (!finish()) {
            return;
        }
        boolean consuming = format == Format.JAVASCRIPT && !messages.isEmpty();
        MessageId last = messages.isEmpty() ? null : messages.get(messages.size() - 1).id();
        if (consuming) {
            node.hub().handOver(topic, last);
        }
        node.counters().transportEnded(transport());
        ByteBuf body = ctx.alloc().buffer(128 + 96 * messages.size());
        boolean jsonp = format == Format.JAVASCRIPT && callback != null;
        if (jsonp) {
            body.writeCharSequence(callback + "(", StandardCharsets.US_ASCII);
        }
        Envelopes.writeLongPollAnswer(body, messages, presence, nextCursor, gap);
        if (jsonp) {
            body.writeCharSequence(");", StandardCharsets.US_ASCII);
        }
        String type = format == Format.JAVASCRIPT ? Replies.JAVASCRIPT : Replies.JSON;
        ChannelFuture written = Replies.send(ctx, HttpResponseStatus.OK, type, body, keepAlive);
        if (consuming) {
            written.addListener(f -> node.hub().settle(topic, last, f.isSuccess()));
        }
    }

    /** Claims the one answer; returns false if somebody else already did. */
    private boolean finish() {
        if (!ANSWERED.compareAndSet(this, 0, 1)) {
            return false;
        }
        Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
        if (timer != null) {
            timer.cancel(false);
        }
        if (online != null) {
            online.end();
        }
        return true;
    }

    private Transport transport() {
        return format == Format.JAVASCRIPT ? Transport.JSONP : Transport.LONGPOLL;
    }
}
