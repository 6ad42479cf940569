package dev.halley.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;

/** {@code GET /metrics}: the node's meters in the Prometheus text format. */
final class MetricsEndpoint {

    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private MetricsEndpoint() {
    }

    static void answer(ChannelHandlerContext ctx, Node node, boolean keepAlive) {
        byte[] body = node.metrics().scrape().getBytes(StandardCharsets.UTF_8);
        Replies.send(ctx, HttpResponseStatus.OK, CONTENT_TYPE, Unpooled.wrappedBuffer(body), keepAlive);
    }
}
