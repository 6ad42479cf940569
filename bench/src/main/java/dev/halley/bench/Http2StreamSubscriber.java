package dev.halley.bench;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One SSE subscriber as one HTTP/2 stream: sends the GET as a HEADERS frame that ends the
 * stream's request side, and counts it subscribed at the first DATA bytes after a 2xx head, as
 * {@link SubscriberHandler} does for HTTP/1.1 (Halley's {@code :ok}). Every DATA byte goes to the
 * marker scanner; a marker lies inside one event and the frames carry the event stream unchanged.
 * A stream the server ends or resets is a failure, as a closed HTTP/1.1 event stream is.
 *
 * <p>Runs on its connection's event loop. The stream channel hands back the flow-control window
 * of each DATA frame once it has been read, so a subscriber never stalls the connection.
 */
final class Http2StreamSubscriber extends ChannelInboundHandlerAdapter {

    private final SubscriberPool pool;
    private final Subscriber s;
    private final String scheme;
    private boolean headOk;
    private ScheduledFuture<?> subscribeTimeout;

    Http2StreamSubscriber(SubscriberPool pool, Subscriber s, String scheme) {
        this.pool = pool;
        this.s = s;
        this.scheme = scheme;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        long left = pool.options.connectTimeout().toNanos() - (System.nanoTime() - s.connectStartNanos);
        subscribeTimeout = ctx.executor().schedule(() -> {
            if (!s.ready && ctx.channel().isActive()) {
                pool.fail(s, FailureCause.TIMEOUT);
                closeOnPurpose(ctx);
            }
        }, Math.max(0, left), TimeUnit.NANOSECONDS);
        Http2Headers head = new DefaultHttp2Headers().method("GET").scheme(scheme).authority(pool.hostHeader())
                .path(pool.subscribePath(s));
        head.set(HttpHeaderNames.ACCEPT, "text/event-stream");
        ctx.writeAndFlush(new DefaultHttp2HeadersFrame(head, true));
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Http2HeadersFrame frame) {
                head(ctx, frame);
            } else if (msg instanceof Http2DataFrame frame) {
                if (headOk) {
                    if (!s.ready && frame.content().isReadable()) {
                        subscribed();
                    }
                    s.scanner.scan(frame.content(), (msgNo, sendNanos) -> pool.marker(s, msgNo, sendNanos));
                }
                if (frame.isEndStream()) {
                    ended(ctx);
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void head(ChannelHandlerContext ctx, Http2HeadersFrame frame) {
        CharSequence status = frame.headers().status();
        int code = status == null ? 0 : Integer.parseInt(status.toString());
        if (!headOk && code / 100 == 2) {
            headOk = true;
        } else if (!headOk && code / 100 != 1) {
            pool.fail(s, FailureCause.NON_2XX);
            closeOnPurpose(ctx);
            return;
        }
        if (frame.isEndStream()) {
            ended(ctx);
        }
    }

    /** An event stream that ends was ended by the server. */
    private void ended(ChannelHandlerContext ctx) {
        pool.fail(s, FailureCause.RESET);
        closeOnPurpose(ctx);
    }

    /** The subscription is in place; its timeout has nothing left to watch, so it leaves the loop's queue. */
    private void subscribed() {
        pool.ready(s);
        subscribeTimeout.cancel(false);
    }

    private void closeOnPurpose(ChannelHandlerContext ctx) {
        s.closingOnPurpose = true;
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        pool.closed(s);
        if (!s.closingOnPurpose) {
            pool.fail(s, FailureCause.RESET);
        }
        subscribeTimeout.cancel(false);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        pool.fail(s, FailureCause.of(cause, true));
        closeOnPurpose(ctx);
    }
}
