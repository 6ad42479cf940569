package dev.halley.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One subscriber connection: sends the subscribe request, decides when the subscription is in
 * place, feeds every received byte to the marker scanner, and for long-poll asks again (or, in
 * the churn scenario, closes and comes back with its cursor).
 *
 * <p>Subscribed means: SSE — the first body bytes after a 2xx head (Halley's {@code :ok}, nchan's
 * {@code : hi}); WebSocket — the 101 answer; Pusher — the server's
 * {@code pusher_internal:subscription_succeeded}, since the channel is joined only after the 101;
 * long-poll — the request written on a connected socket.
 *
 * <p>An SSE stream drops its HTTP codec once the 2xx head is in: the codec is the largest part of
 * an idle connection's heap (~0.6 KB of ~2.6 KB), and the marker scanner needs no de-chunking —
 * a marker lies inside one event, a server writes an event in one chunk, and chunk-size lines
 * (hex digits and CRLF) can neither form nor break a marker.
 *
 * <p>A stream that stands then leaves Netty altogether ({@link HeldSubscriber}), at the end of the
 * read that made it stand: from there on it only reads, and its channel is most of its heap.
 */
final class SubscriberHandler extends ChannelInboundHandlerAdapter {

    private static final byte[] CURSOR_KEY = "\"cursor\":\"".getBytes(StandardCharsets.US_ASCII);
    // A fixed key: the server's Sec-WebSocket-Accept is not checked, a benchmark trusts its target.
    private static final String WS_KEY = "aGFsbGV5LWJlbmNoLWtleQ==";
    private static final byte[] PUSHER_SUBSCRIBED = "pusher_internal:subscription_succeeded".getBytes(StandardCharsets.US_ASCII);

    private final SubscriberPool pool;
    private final Subscriber s;
    private boolean headOk;
    private boolean reconnect;
    /** How many bytes of {@link #PUSHER_SUBSCRIBED} the frames so far end with; a frame may split it. */
    private int pusherSubscribedMatched;
    private ScheduledFuture<?> subscribeTimeout;

    SubscriberHandler(SubscriberPool pool, Subscriber s) {
        this.pool = pool;
        this.s = s;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!s.everReady) {
            long left = pool.options.connectTimeout().toNanos() - (System.nanoTime() - s.connectStartNanos);
            subscribeTimeout = ctx.executor().schedule(() -> {
                if (!s.ready && ctx.channel().isActive()) {
                    pool.fail(s, FailureCause.TIMEOUT);
                    closeOnPurpose(ctx);
                }
            }, Math.max(0, left), TimeUnit.NANOSECONDS);
        }
        request(ctx);
        ctx.fireChannelActive();
    }

    private void request(ChannelHandlerContext ctx) {
        s.scanner.reset();
        headOk = false;
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, pool.subscribePath(s), Unpooled.EMPTY_BUFFER);
        req.headers().set(HttpHeaderNames.HOST, pool.hostHeader());
        switch (pool.options.transport()) {
            case SSE -> req.headers().set(HttpHeaderNames.ACCEPT, "text/event-stream");
            case WS, PUSHER -> req.headers()
                    .set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET)
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE)
                    .set(HttpHeaderNames.SEC_WEBSOCKET_KEY, WS_KEY)
                    .set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13");
            default -> {
                if (s.lastModified != null) {
                    req.headers().set(HttpHeaderNames.IF_MODIFIED_SINCE, s.lastModified);
                }
                if (s.etag != null) {
                    req.headers().set(HttpHeaderNames.IF_NONE_MATCH, s.etag);
                }
            }
        }
        ctx.writeAndFlush(req).addListener(f -> {
            if (f.isSuccess() && pool.options.transport().polls()) {
                subscribed();
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof FullHttpResponse answer) {
                pollAnswer(ctx, answer);
            } else if (msg instanceof HttpResponse head) {
                streamHead(ctx, head);
            } else if (msg instanceof HttpContent content) {
                streamBytes(ctx, content.content());
                if (msg instanceof LastHttpContent && pool.options.transport() == BenchTransport.SSE) {
                    // An event stream that ends was ended by the server.
                    pool.fail(s, FailureCause.RESET);
                    closeOnPurpose(ctx);
                }
            } else if (msg instanceof ByteBuf frames) {
                streamBytes(ctx, frames);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void streamHead(ChannelHandlerContext ctx, HttpResponse head) {
        int status = head.status().code();
        boolean ws = pool.options.transport().webSocket();
        if (ws ? status == 101 : status / 100 == 2) {
            headOk = true;
            if (pool.options.transport() == BenchTransport.PUSHER) {
                // Written from the codec's own context, so that it passes below the codec: an HTTP
                // encoder not told of the upgrade refuses raw bytes.
                ctx.pipeline().context(HttpClientCodec.class).writeAndFlush(pusherSubscribe(pool.subscribePath(s)));
            }
            if (pool.options.transport() == BenchTransport.WS) {
                subscribed();
            } else if (pool.options.transport() == BenchTransport.SSE) {
                // The codec passes the bytes it holds past the head on as a plain ByteBuf when removed.
                ctx.pipeline().remove(HttpClientCodec.class);
            }
            return;
        }
        pool.fail(s, FailureCause.NON_2XX);
        closeOnPurpose(ctx);
    }

    private void streamBytes(ChannelHandlerContext ctx, ByteBuf bytes) {
        if (!headOk) {
            return;
        }
        if (!s.ready && bytes.isReadable() && (pool.options.transport() != BenchTransport.PUSHER || pusherSubscribed(bytes))) {
            subscribed();
        }
        s.scanner.scan(bytes, (msgNo, sendNanos) -> pool.marker(s, msgNo, sendNanos));
    }

    /**
     * A client text frame (RFC 6455 section 5.2, final, masked with a zero key, which leaves the
     * payload as it is) carrying {@code pusher:subscribe} for the path's {@code channel} parameter.
     */
    static ByteBuf pusherSubscribe(String path) {
        List<String> channels = new QueryStringDecoder(path).parameters().get("channel");
        String channel = channels == null || channels.isEmpty() ? "bench" : channels.get(0);
        byte[] payload = ("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"" + channel + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
        ByteBuf frame = Unpooled.buffer(payload.length + 8);
        frame.writeByte(0x81);
        if (payload.length < 126) {
            frame.writeByte(0x80 | payload.length);
        } else {
            frame.writeByte(0x80 | 126).writeShort(payload.length);
        }
        return frame.writeInt(0).writeBytes(payload);
    }

    /** Whether {@link #PUSHER_SUBSCRIBED} has now been read; leaves the bytes' indexes as they are. */
    private boolean pusherSubscribed(ByteBuf bytes) {
        for (int i = bytes.readerIndex(); i < bytes.writerIndex(); i++) {
            byte b = bytes.getByte(i);
            // A mismatch restarts at this byte: the pattern's one self-overlap, its second 'p', would need the
            // text "subscripusher", which no server frame holds.
            pusherSubscribedMatched = b == PUSHER_SUBSCRIBED[pusherSubscribedMatched] ? pusherSubscribedMatched + 1
                    : b == PUSHER_SUBSCRIBED[0] ? 1 : 0;
            if (pusherSubscribedMatched == PUSHER_SUBSCRIBED.length) {
                return true;
            }
        }
        return false;
    }

    /** The subscription is in place; its timeout has nothing left to watch, so it leaves the loop's queue. */
    private void subscribed() {
        pool.ready(s);
        if (subscribeTimeout != null) {
            subscribeTimeout.cancel(false);
            subscribeTimeout = null;
        }
    }

    private void pollAnswer(ChannelHandlerContext ctx, FullHttpResponse answer) {
        int status = answer.status().code();
        pool.answered();
        if (status / 100 == 2) {
            s.scanner.scan(answer.content(), (msgNo, sendNanos) -> pool.marker(s, msgNo, sendNanos));
            String cursor = cursor(answer.content());
            if (cursor != null) {
                s.cursor = cursor;
            }
            String lastModified = answer.headers().get(HttpHeaderNames.LAST_MODIFIED);
            if (lastModified != null) {
                s.lastModified = lastModified;
                s.etag = answer.headers().get(HttpHeaderNames.ETAG);
            }
        } else if (status != 304 && status != 408) {
            // 304 and 408 are how nchan ends a long-poll that timed out; anything else is a failure.
            pool.fail(s, FailureCause.NON_2XX);
            closeOnPurpose(ctx);
            return;
        }
        if (pool.options.scenario() == Scenario.CHURN || !HttpUtil.isKeepAlive(answer)) {
            // Reconnect from channelInactive, once this connection's bookkeeping is done.
            reconnect = true;
            closeOnPurpose(ctx);
        } else {
            request(ctx);
        }
    }

    /** Halley's {@code "cursor":"<id>"} from a long-poll answer, or null. */
    static String cursor(ByteBuf body) {
        int from = body.readerIndex();
        int end = body.writerIndex();
        outer:
        for (int i = end - CURSOR_KEY.length - 1; i >= from; i--) {
            for (int j = 0; j < CURSOR_KEY.length; j++) {
                if (body.getByte(i + j) != CURSOR_KEY[j]) {
                    continue outer;
                }
            }
            int start = i + CURSOR_KEY.length;
            int close = body.indexOf(start, end, (byte) '"');
            return close < 0 ? null : body.toString(start, close - start, StandardCharsets.US_ASCII);
        }
        return null;
    }

    private void closeOnPurpose(ChannelHandlerContext ctx) {
        s.closingOnPurpose = true;
        ctx.close();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (s.ready && s.held == null && pool.holdsStreams() && HeldSubscriber.canHold(ctx.channel())) {
            HeldSubscriber.hold(ctx.channel(), pool, s);
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        pool.closed(s);
        if (!s.closingOnPurpose) {
            pool.fail(s, FailureCause.RESET);
        }
        s.closingOnPurpose = false;
        if (reconnect && !s.failed) {
            pool.connect(s);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        pool.fail(s, FailureCause.of(cause, true));
        closeOnPurpose(ctx);
    }
}
