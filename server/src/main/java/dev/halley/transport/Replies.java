package dev.halley.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** Complete HTTP answers, with keep-alive handled once here. */
public final class Replies {

    static final String JSON = "application/json";
    static final String JAVASCRIPT = "application/javascript";

    private Replies() {
    }

    /** Writes and flushes a full response; closes afterwards unless {@code keepAlive}. */
    static ChannelFuture send(ChannelHandlerContext ctx, HttpResponseStatus status, String contentType, ByteBuf body, boolean keepAlive) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ChannelFuture written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
        return written;
    }

    /**
     * The bytes {@link #send} has Netty's codec (and {@link CrossOrigin}, for {@code allowOrigin})
     * write, for a connection held outside Netty: the same head, header for header, then
     * {@code body}, which is released.
     *
     * @param allowOrigin the request's allowed cross-origin {@code Origin}, or null
     */
    static ByteBuf encode(HttpResponseStatus status, String contentType, ByteBuf body, boolean keepAlive, String allowOrigin) {
        StringBuilder head = new StringBuilder(160)
                .append("HTTP/1.1 ").append(status).append("\r\n")
                .append(HttpHeaderNames.CONTENT_TYPE).append(": ").append(contentType).append("\r\n")
                .append(HttpHeaderNames.CONTENT_LENGTH).append(": ").append(body.readableBytes()).append("\r\n")
                .append(HttpHeaderNames.CACHE_CONTROL).append(": ").append(HttpHeaderValues.NO_CACHE).append("\r\n");
        if (!keepAlive) {
            head.append(HttpHeaderNames.CONNECTION).append(": ").append(HttpHeaderValues.CLOSE).append("\r\n");
        }
        if (allowOrigin != null) {
            head.append(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN).append(": ").append(allowOrigin).append("\r\n")
                    .append(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS).append(": true\r\n")
                    .append(HttpHeaderNames.VARY).append(": ").append(HttpHeaderNames.ORIGIN).append("\r\n");
        }
        head.append("\r\n");
        // Direct, as a held socket's writev needs; one buffer for head and body, one iovec.
        ByteBuf out = ByteBufAllocator.DEFAULT.directBuffer(head.length() + body.readableBytes());
        // As Netty's encoder writes header text.
        out.writeCharSequence(head, StandardCharsets.US_ASCII);
        out.writeBytes(body);
        body.release();
        return out;
    }

    static void json(ChannelHandlerContext ctx, HttpResponseStatus status, byte[] json, boolean keepAlive) {
        send(ctx, status, JSON, Unpooled.wrappedBuffer(json), keepAlive);
    }

    /** An error with a short reason: {@code {"error":"..."}}. */
    static void error(ChannelHandlerContext ctx, HttpResponseStatus status, String reason, boolean keepAlive) {
        json(ctx, status, Envelopes.error(reason), keepAlive);
    }

    /** The raw bytes of an answer to a connection turned away before it sent anything (no codec is involved yet). */
    public static ByteBuf refusal(int status, String statusText, String reason) {
        byte[] body = Envelopes.error(reason);
        String head = "HTTP/1.1 " + status + " " + statusText + "\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length + "\r\nConnection: close\r\n\r\n";
        return Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.US_ASCII), body);
    }
}
