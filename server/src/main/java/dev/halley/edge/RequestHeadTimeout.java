package dev.halley.edge;

import dev.halley.transport.NodeCounters;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection that has not sent a whole request head within {@code --header-timeout} of
 * connecting or of its last answer: a slowloris client holds a socket that long and no longer.
 * Streams remove this handler when they start; a held long-poll has sent its head, so it is not
 * timed here.
 */
final class RequestHeadTimeout extends ChannelDuplexHandler {

    private final long timeoutNanos;
    private final NodeCounters counters;
    private ScheduledFuture<?> timer;

    RequestHeadTimeout(long timeoutNanos, NodeCounters counters) {
        this.timeoutNanos = timeoutNanos;
        this.counters = counters;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        Long leanDeadline = ctx.channel().hasAttr(LeanListener.HEAD_DEADLINE_NANOS)
                ? ctx.channel().attr(LeanListener.HEAD_DEADLINE_NANOS).get() : null;
        // A connection the lean path read first has been timed since its accept: it gets what is left.
        arm(ctx, leanDeadline == null ? timeoutNanos : Math.max(0, leanDeadline - System.nanoTime()));
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpRequest) {
            disarm();
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof LastHttpContent) {
            promise = promise.unvoid();
            promise.addListener(f -> {
                if (f.isSuccess() && ctx.channel().isActive()) {
                    arm(ctx, timeoutNanos);
                }
            });
        }
        super.write(ctx, msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        disarm();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        disarm();
    }

    private void arm(ChannelHandlerContext ctx, long delayNanos) {
        disarm();
        timer = ctx.executor().schedule(() -> {
            counters.rejected(NodeCounters.Reject.HEADER_TIMEOUT);
            ctx.close();
        }, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void disarm() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
