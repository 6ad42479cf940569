package dev.halley.transport;

import dev.halley.hub.Online;
import dev.halley.hub.Subscriber;
import dev.halley.hub.Subscription;
import dev.halley.loops.Deadlines;
import dev.halley.message.Backlog;
import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import dev.halley.presence.Member;
import dev.halley.presence.PresenceEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.unix.FileDescriptor;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One held long-poll request: answered exactly once, by whichever comes first of the backlog
 * (when it holds messages or a gap), a live message, the timeout, or the next request on the
 * connection. The subscriber callbacks run on the topic's loop, where {@link #answered} decides
 * the race; the answer is written on the connection's loop.
 *
 * <p>In {@link Format#JAVASCRIPT} mode (MegaComet's {@code /{id}.js}) there is no cursor: the
 * poll takes everything the mailbox holds, and what was written is then consumed from it.
 *
 * <p>A poll made on behalf of a client keeps it present for {@link #PRESENCE_LINGER} after the
 * answer, so a client that polls again at once neither leaves nor joins; a watching poll is also
 * answered by a join or leave event, which carries the poll's own cursor on unchanged.
 *
 * <p>A poll left waiting on a plain HTTP/1.1 epoll connection leaves Netty's channel
 * ({@link #hold}), as an SSE stream does: the connection waits as a {@link HeldSocket} with the
 * subscription, its deadline on the loop's {@link Deadlines} (no timer of its own). Its answer is
 * then whole HTTP bytes ({@link Replies#encode}) written to the socket; once they are out the
 * connection closes ({@code Connection: close}, a drain) or goes back to Netty for its next
 * request ({@link HttpPipeline.Reentry}) with whatever the client sent meanwhile. What the client
 * sends while the poll waits is its next request, which ends the poll as it does on Netty.
 */
final class LongPoll implements Subscriber, HeldSocket.Owner, HeldSocket.Reader, Deadlines.Member {

    enum Format { JSON, JAVASCRIPT }

    /** How long a long-poll client stays present after an answer, waiting for its next poll. */
    static final Duration PRESENCE_LINGER = Duration.ofSeconds(5);

    private static final Deadlines TIMEOUTS = new Deadlines();
    private static final String HELD_INPUT = "held-input";
    private static final AtomicIntegerFieldUpdater<LongPoll> ANSWERED =
            AtomicIntegerFieldUpdater.newUpdater(LongPoll.class, "answered");

    private final Node node;
    private final EventLoop loop;
    private final Topic topic;
    private final long deadlineNanos;
    private final Format format;
    private final String callback;
    private final boolean keepAlive;
    private final Member member;
    /** The connection's router context while the poll is on Netty's channel; null once held. */
    private ChannelHandlerContext ctx;
    /** The socket the poll waits on once it left Netty; null before. Connection's loop only, as are the fields up to {@link #heapIndex}. */
    private HeldSocket held;
    private HttpPipeline.Reentry reentry;
    /** The request's allowed cross-origin {@code Origin}, for the answer's CORS headers; null: none. */
    private String allowOrigin;
    /** What the client sent since the poll was held (its next request); null until it sends. */
    private ByteBuf input;
    /** Consumed up to here by an answer written to the held socket and not yet settled with the hub. */
    private MessageId unsettled;
    private int heapIndex = -1;
    /** Set in {@link #start} before subscribing, so every answer, which follows the subscription, sees it. */
    private Online online;
    /**
     * 0 until the one answer is claimed, then 1: a field and an updater rather than an
     * {@code AtomicBoolean}, which every held poll would carry as an object of its own.
     */
    private volatile int answered;
    private volatile Subscription subscription;
    /** The request's cursor until the backlog moves it. */
    private volatile MessageId cursor;
    /** The timeout while the poll is on Netty's channel; null once held (the loop's deadlines time it then). */
    private volatile ScheduledFuture<?> timer;

    /** @param member on whose behalf the poll is held, for presence (its linger applies); null: anonymous */
    LongPoll(ChannelHandlerContext ctx, Node node, Topic topic, MessageId cursor, Duration timeout,
             Format format, String callback, boolean keepAlive, Member member) {
        this.ctx = ctx;
        this.node = node;
        this.loop = ctx.channel().eventLoop();
        this.topic = topic;
        this.cursor = cursor;
        this.deadlineNanos = System.nanoTime() + timeout.toNanos();
        this.format = format;
        this.callback = callback;
        this.keepAlive = keepAlive;
        this.member = member;
    }

    /** On the connection's loop. */
    void start() {
        node.counters().transportStarted(transport());
        timer = loop.schedule(this::endNow, deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (member != null) {
            online = node.hub().connect(member);
        }
        Subscription s = format == Format.JAVASCRIPT
                ? node.hub().subscribeConsuming(topic, this)
                : node.hub().subscribe(topic, cursor, this, member);
        subscription = s;
        // The backlog may already have answered (same loop, messages waiting) before the
        // subscription was stored above; cancel here so it cannot linger.
        if (answered != 0) {
            s.cancel();
        }
    }

    /** Whether nothing has answered the poll yet. */
    boolean waiting() {
        return answered == 0;
    }

    /**
     * Moves the poll's connection off Netty onto a {@link HeldSocket}; called on the connection's
     * loop by the router, from the read of the poll's request, when the channel
     * {@link HeldSocket#canHold can be held}, speaks plain HTTP/1.1 and has no request waiting
     * behind this one. The codec goes first: removing it passes on the bytes it has read and not
     * decoded (a request pipelined behind this one), and with reading off nothing more is read
     * into the channel; whatever still comes up the pipeline is caught in its place.
     *
     * @param reentry how the connection goes back to Netty after the answer
     * @param allowOrigin the request's allowed cross-origin {@code Origin}; null: none
     */
    void hold(ChannelHandlerContext routerCtx, HttpPipeline.Reentry reentry, String allowOrigin) {
        this.reentry = reentry;
        this.allowOrigin = allowOrigin;
        routerCtx.channel().config().setAutoRead(false);
        ChannelPipeline p = routerCtx.pipeline();
        p.addAfter(HttpPipeline.CODEC, HELD_INPUT, new HeldInput(this));
        p.remove(HttpPipeline.CODEC);
        ScheduledFuture<?> t = timer;
        timer = null;
        if (t != null) {
            t.cancel(false);
        }
        held = HeldSocket.take(routerCtx.channel(), node, this, this);
        // The abandoned channel must not stay reachable through the poll.
        ctx = null;
        if (answered == 0) {
            TIMEOUTS.add(loop, this);
        }
        if (nextRequestStarted()) {
            endNow();
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
            ByteBuf body = Unpooled.wrappedBuffer(Envelopes.error("messages unavailable: " + cause.getMessage()));
            onConnectionLoop(() -> send(HttpResponseStatus.SERVICE_UNAVAILABLE, Replies.JSON, body, null));
        }
    }

    /** Answers now with nothing new: the timeout passed, the next request arrived, or the node drains. */
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
        ByteBuf body = ByteBufAllocator.DEFAULT.buffer(128 + 96 * messages.size());
        boolean jsonp = format == Format.JAVASCRIPT && callback != null;
        if (jsonp) {
            body.writeCharSequence(callback + "(", StandardCharsets.US_ASCII);
        }
        Envelopes.writeLongPollAnswer(body, messages, presence, nextCursor, gap);
        if (jsonp) {
            body.writeCharSequence(");", StandardCharsets.US_ASCII);
        }
        String type = format == Format.JAVASCRIPT ? Replies.JAVASCRIPT : Replies.JSON;
        MessageId consumed = consuming ? last : null;
        onConnectionLoop(() -> send(HttpResponseStatus.OK, type, body, consumed));
    }

    /**
     * Writes the answer, on the connection's loop: through Netty's channel, or as whole HTTP bytes
     * to the held socket. A consuming answer settles its hand-over with the hub once written (or not).
     */
    private void send(HttpResponseStatus status, String type, ByteBuf body, MessageId consumed) {
        if (held == null) {
            ChannelFuture written = Replies.send(ctx, status, type, body, keepAlive);
            if (consumed != null) {
                written.addListener(f -> node.hub().settle(topic, consumed, f.isSuccess()));
            }
            return;
        }
        TIMEOUTS.remove(this);
        if (!held.isOpen()) {
            body.release();
            if (consumed != null) {
                node.hub().settle(topic, consumed, false);
            }
            return;
        }
        held.write(Replies.encode(status, type, body, keepAlive && !node.admin().draining(), allowOrigin));
        unsettled = consumed;
        held.whenFlushed(this::answerWritten);
    }

    /** The held answer is out: the connection closes, or goes back to Netty for its next request. */
    private void answerWritten() {
        if (unsettled != null) {
            node.hub().settle(topic, unsettled, true);
            unsettled = null;
        }
        if (!keepAlive || node.admin().draining()) {
            held.close();
            return;
        }
        InetAddress peer = held.peer();
        FileDescriptor fd = held.release();
        ByteBuf readSoFar = input == null ? Unpooled.EMPTY_BUFFER : input;
        input = null;
        reentry.reenter(loop, fd, peer, readSoFar);
    }

    /** Bytes from the client while held (copied: {@code bytes} is the loop's scratch buffer): its next request. */
    @Override
    public void read(ByteBuf bytes) {
        if (input == null) {
            input = ByteBufAllocator.DEFAULT.buffer(bytes.readableBytes());
        }
        input.writeBytes(bytes);
        if (held == null) {
            // Still moving off Netty: hold() ends the poll once it has the socket.
            return;
        }
        if (input.readableBytes() > node.limits().maxHeaderBytes() + node.limits().maxMessageBytes()) {
            // The answer is not going out, and the client keeps sending: nothing will read all that.
            held.close();
            return;
        }
        if (nextRequestStarted()) {
            endNow();
        }
    }

    /**
     * Whether the client has sent more than the blank lines and control characters an HTTP/1.1
     * decoder skips before a request (some clients end a request with an extra CRLF).
     */
    private boolean nextRequestStarted() {
        return input != null && input.forEachByte(b -> b >= 0 && b <= ' ' || b == 0x7f) >= 0;
    }

    /** The held socket closed (the peer left, an error, a drain or the answer's close). */
    @Override
    public void socketClosed() {
        TIMEOUTS.remove(this);
        cancel();
        if (unsettled != null) {
            node.hub().settle(topic, unsettled, false);
            unsettled = null;
        }
        if (input != null) {
            input.release();
            input = null;
        }
    }

    /** The node drains: the poll is answered with its cursor, and the connection then closes. */
    @Override
    public void drain() {
        endNow();
    }

    @Override
    public long deadlineNanos() {
        return deadlineNanos;
    }

    @Override
    public void expired() {
        endNow();
    }

    @Override
    public int heapIndex() {
        return heapIndex;
    }

    @Override
    public void heapIndex(int index) {
        heapIndex = index;
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
        ScheduledFuture<?> t = timer;
        if (t != null) {
            t.cancel(false);
        }
        if (online != null) {
            online.end();
        }
        return true;
    }

    /**
     * Runs {@code work} on the connection's loop: at once when that is the caller's, else at the
     * end of the caller's turn ({@link LoopOutbox}).
     */
    private void onConnectionLoop(Runnable work) {
        LoopOutbox outbox = LoopOutbox.current(loop.parent());
        if (outbox == null) {
            loop.execute(work);
        } else {
            outbox.post(loop, work);
        }
    }

    private Transport transport() {
        return format == Format.JAVASCRIPT ? Transport.JSONP : Transport.LONGPOLL;
    }

    /**
     * In the codec's place while the poll's channel leaves Netty: what the codec had read and not
     * decoded, and anything read after, is the client's next request, kept for the poll.
     */
    private static final class HeldInput extends ChannelInboundHandlerAdapter {
        private final LongPoll poll;

        HeldInput(LongPoll poll) {
            this.poll = poll;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof ByteBuf bytes) {
                    poll.read(bytes);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
    }
}
