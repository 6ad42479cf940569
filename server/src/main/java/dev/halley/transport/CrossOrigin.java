package dev.halley.transport;

import dev.halley.auth.OriginPolicy;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;

/**
 * CORS for browser clients on other origins: answers preflight requests, and adds
 * {@code Access-Control-Allow-Origin} to the answer of a request whose origin is allowed. Requests
 * are answered in order on a connection, so remembering the current request's origin is enough.
 */
final class CrossOrigin extends ChannelDuplexHandler {

    private static final String ALLOWED_HEADERS = "Authorization, Content-Type, Last-Event-ID";
    private static final String ALLOWED_METHODS = "GET, POST, OPTIONS";

    private final OriginPolicy policy;
    private String allowOrigin;

    CrossOrigin(OriginPolicy policy) {
        this.policy = policy;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpRequest request) {
            String origin = request.headers().get(HttpHeaderNames.ORIGIN);
            allowOrigin = origin != null && policy.crossOriginAllowed(origin) ? origin : null;
            // A request line of another HTTP version is no preflight: the router refuses it with 505.
            if (origin != null && request.method().equals(HttpMethod.OPTIONS)
                    && request.headers().contains(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD)
                    && request.protocolVersion().majorVersion() == 1) {
                boolean keepAlive = HttpUtil.isKeepAlive(request);
                ReferenceCountUtil.release(msg);
                preflight(ctx, keepAlive);
                return;
            }
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof HttpResponse response) {
            allow(response);
        }
        super.write(ctx, msg, promise);
    }

    /** The current request's {@code Origin} when it is allowed cross-origin, else null. */
    String allowOrigin() {
        return allowOrigin;
    }

    private void allow(HttpResponse response) {
        if (allowOrigin != null) {
            response.headers()
                    .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, allowOrigin)
                    .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true")
                    .add(HttpHeaderNames.VARY, HttpHeaderNames.ORIGIN);
        }
    }

    private void preflight(ChannelHandlerContext ctx, boolean keepAlive) {
        if (allowOrigin == null) {
            Replies.error(ctx, HttpResponseStatus.FORBIDDEN, "origin not allowed", keepAlive);
            return;
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT, Unpooled.EMPTY_BUFFER);
        response.headers()
                .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, ALLOWED_METHODS)
                .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_HEADERS)
                .set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, 600)
                .set(HttpHeaderNames.CONTENT_LENGTH, 0);
        // Written from this handler's context, so it does not pass through write() above.
        allow(response);
        ctx.writeAndFlush(response);
    }
}
