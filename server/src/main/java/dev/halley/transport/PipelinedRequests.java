package dev.halley.transport;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Keeps an HTTP/1.1 connection's answers in request order: a request is passed on only once the
 * answer to the one before it has been written. Some answers complete later, on another loop (a
 * publish once the broker stored it, {@code /status} once every loop counted, a held long-poll),
 * and a client may pipeline its next requests in the same packet, which the codec decodes at
 * once; turning reading off would not stop those.
 *
 * <p>So the parts of a request that arrive while an answer is outstanding wait here, reading
 * pauses (the wait is at most what one read decoded), and {@link #NEXT_REQUEST_WAITS} tells the
 * router, which ends a held long-poll early as it always did for a request that follows it. When
 * the answer's last part is written, the waiting requests go on, one answer at a time, and reading
 * resumes once none waits. An answer that closes the connection or switches its protocol drops
 * what waits: nothing more is answered on it. Netty's own handlers do not do this
 * ({@code HttpServerKeepAliveHandler} only counts answers, {@code FlowControlHandler} would hold a
 * request from the router that ends a long-poll).
 *
 * <p>It sits before the head timeout and the aggregator, so both see a waiting request only when
 * it goes on: the timeout times the head of the next request from the last answer, and the
 * aggregator's {@code 100 Continue} follows the answer before it. Confined to the connection's
 * loop. Streams remove it with the other request handlers.
 */
final class PipelinedRequests extends ChannelDuplexHandler {

    /** A user event to the router: a request waits behind the answer now outstanding. */
    static final Object NEXT_REQUEST_WAITS = new Object() {
        @Override
        public String toString() {
            return "NEXT_REQUEST_WAITS";
        }
    };

    /** Parts of waiting requests, in arrival order; created with the first one. */
    private ArrayDeque<HttpObject> waiting;
    private boolean answerOutstanding;
    private boolean readingPaused;
    private boolean releaseScheduled;
    /** The last answer closes the connection or leaves HTTP: what arrives after it is dropped. */
    private boolean done;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject part)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (done) {
            ReferenceCountUtil.release(msg);
            return;
        }
        boolean head = part instanceof HttpRequest;
        if ((waiting == null || waiting.isEmpty()) && !(head && answerOutstanding)) {
            if (head) {
                answerOutstanding = true;
            }
            ctx.fireChannelRead(part);
            return;
        }
        if (waiting == null) {
            waiting = new ArrayDeque<>(4);
        }
        waiting.add(part);
        if (!readingPaused) {
            readingPaused = true;
            ctx.channel().config().setAutoRead(false);
        }
        if (head) {
            ctx.fireUserEventTriggered(NEXT_REQUEST_WAITS);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        boolean ends = false;
        boolean leavesHttp = false;
        if (msg instanceof HttpResponse response) {
            HttpResponseStatus status = response.status();
            // An interim answer (100 Continue) is not the answer; 101 hands the connection to another protocol.
            leavesHttp = status.equals(HttpResponseStatus.SWITCHING_PROTOCOLS) || !HttpUtil.isKeepAlive(response);
            ends = msg instanceof LastHttpContent && status.codeClass() != HttpStatusClass.INFORMATIONAL
                    || leavesHttp;
        } else if (msg instanceof LastHttpContent) {
            ends = true;
        }
        ctx.write(msg, promise);
        if (leavesHttp) {
            done = true;
            dropWaiting();
            resumeReading(ctx);
        } else if (ends && answerOutstanding) {
            answerOutstanding = false;
            scheduleRelease(ctx);
        }
    }

    /**
     * Passes waiting requests on in a task of its own, not from inside the write of the answer
     * before them: that write may come from deep in the router, which is not ready for the next
     * request yet.
     */
    private void scheduleRelease(ChannelHandlerContext ctx) {
        if (releaseScheduled || waiting == null || waiting.isEmpty()) {
            return;
        }
        releaseScheduled = true;
        ctx.executor().execute(() -> {
            releaseScheduled = false;
            if (!ctx.isRemoved()) {
                release(ctx);
            }
        });
    }

    private void release(ChannelHandlerContext ctx) {
        boolean passed = false;
        while (!done && !waiting.isEmpty() && !(waiting.peek() instanceof HttpRequest && answerOutstanding)) {
            HttpObject part = waiting.poll();
            if (part instanceof HttpRequest) {
                answerOutstanding = true;
            }
            passed = true;
            ctx.fireChannelRead(part);
        }
        if (passed) {
            ctx.fireChannelReadComplete();
        }
        if (waiting.isEmpty()) {
            resumeReading(ctx);
        } else if (!done) {
            // The request just passed on may be a long-poll, which the next one must end.
            ctx.fireUserEventTriggered(NEXT_REQUEST_WAITS);
        }
    }

    /** Whether no request, nor part of one, waits here now. */
    boolean nothingWaits() {
        return waiting == null || waiting.isEmpty();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        dropWaiting();
        resumeReading(ctx);
    }

    private void resumeReading(ChannelHandlerContext ctx) {
        if (readingPaused) {
            readingPaused = false;
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void dropWaiting() {
        if (waiting != null) {
            for (HttpObject part = waiting.poll(); part != null; part = waiting.poll()) {
                ReferenceCountUtil.release(part);
            }
        }
    }
}
