package dev.halley.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection-level end of an HTTP/2 connection, after the multiplexer: what arrives here are
 * the frames of no stream. It closes a connection that floods PINGs or SETTINGS, closes one that
 * holds no stream for {@code --header-timeout} (HTTP/2's slowloris), and on drain passes the
 * drain to every open stream, then closes gracefully (GOAWAY, and the streams finish).
 *
 * <p>It also bounds what the connection's streams have queued and not yet sent ({@link #queued},
 * counted by {@link ChunkFrames}): past {@code maxPendingBytesPerConnection} the connection is a
 * slow consumer, counted and logged as an HTTP/1.1 one is, and closed at once after a GOAWAY.
 * The whole connection goes rather than some of its streams because its bytes pile up past the
 * per-stream bound only when it does not drain as a whole (the socket, or the connection's
 * flow-control window, which every stream shares): cutting streams one by one would end them
 * all anyway, each after queueing more, while the client that reconnects resumes every stream
 * from its cursor, as after an HTTP/1.1 cut.
 *
 * <p>Confined to the connection's loop, which its streams share.
 */
final class Http2Guard extends ChannelInboundHandlerAdapter {

    static final String NAME = "h2-guard";
    private static final Logger log = LoggerFactory.getLogger(Http2Guard.class);

    private final Node node;
    private final Http2Options options;
    private final Set<Channel> streams = new LinkedHashSet<>();
    private ChannelHandlerContext ctx;
    private long windowStartNanos;
    private int controlFrames;
    private final long idleWithoutStreamsNanos;
    private ScheduledFuture<?> idleTimer;
    /** Bytes the streams have written that have not reached the socket yet. */
    private long pendingBytes;
    private boolean cutOff;

    Http2Guard(Node node, long idleWithoutStreamsNanos) {
        this.node = node;
        this.options = node.options().http2();
        this.idleWithoutStreamsNanos = idleWithoutStreamsNanos;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.windowStartNanos = System.nanoTime();
        armIdle();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        disarmIdle();
    }

    /** A new stream of this connection; it leaves by itself when it closes. */
    void streamOpened(Channel stream) {
        streams.add(stream);
        disarmIdle();
        stream.closeFuture().addListener(f -> {
            streams.remove(stream);
            if (streams.isEmpty() && ctx.channel().isActive()) {
                armIdle();
            }
        });
    }

    /** A stream wrote {@code bytes}; closes the connection if that puts it past its bound. */
    void queued(int bytes) {
        pendingBytes += bytes;
        if (pendingBytes > options.maxPendingBytesPerConnection() && !cutOff) {
            cutOff = true;
            node.counters().rejected(NodeCounters.Reject.SLOW_CONSUMER);
            log.debug("event=slow_consumer remote={} pending_bytes_over={} scope=h2_connection", ctx.channel().remoteAddress(),
                    options.maxPendingBytesPerConnection());
            // In a task of its own: this runs inside a stream's write, which closing its connection would pull away.
            ctx.executor().execute(() -> {
                ctx.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.ENHANCE_YOUR_CALM));
                // Closed from before the codec: the codec's own close would wait for the streams, which do not drain.
                ctx.pipeline().context(HttpPipeline.H2_CODEC).close();
            });
        }
    }

    /** {@code bytes} a stream wrote have been sent, or dropped with their stream. */
    void sent(int bytes) {
        pendingBytes -= bytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            boolean control = msg instanceof Http2PingFrame ping && !ping.ack() || msg instanceof Http2SettingsFrame;
            if (control && overControlBudget()) {
                abuse("control_flood");
            }
        } finally {
            // Netty has already answered what needs an answer (PING ack, SETTINGS ack).
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt != NodeAdmin.DRAIN) {
            super.userEventTriggered(ctx, evt);
            return;
        }
        for (Channel stream : new ArrayList<>(streams)) {
            stream.pipeline().fireUserEventTriggered(NodeAdmin.DRAIN);
        }
        // The codec's close is graceful: GOAWAY first, then it waits for the open streams to end.
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("event=connection_error remote={} cause={}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    private boolean overControlBudget() {
        long now = System.nanoTime();
        if (now - windowStartNanos > options.abuseWindow().toNanos()) {
            windowStartNanos = now;
            controlFrames = 0;
        }
        return ++controlFrames > options.maxControlFramesPerWindow();
    }

    private void abuse(String kind) {
        if (!ctx.channel().isActive()) {
            return;
        }
        node.counters().rejected(NodeCounters.Reject.HTTP2_ABUSE);
        log.info("event=http2_abuse kind={} remote={}", kind, ctx.channel().remoteAddress());
        ctx.channel().config().setAutoRead(false);
        ctx.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.ENHANCE_YOUR_CALM)).addListener(ChannelFutureListener.CLOSE);
    }

    private void armIdle() {
        disarmIdle();
        idleTimer = ctx.executor().schedule(() -> {
            node.counters().rejected(NodeCounters.Reject.HEADER_TIMEOUT);
            ctx.close();
        }, idleWithoutStreamsNanos, TimeUnit.NANOSECONDS);
    }

    private void disarmIdle() {
        if (idleTimer != null) {
            idleTimer.cancel(false);
            idleTimer = null;
        }
    }
}
