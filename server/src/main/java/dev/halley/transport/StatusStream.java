package dev.halley.transport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /status/stream}: Server-Sent Events carrying one {@code /status} snapshot a second
 * (plus {@code timeMillis}, the wall clock it was taken at, so rates can be computed), for the
 * dashboard. It is an operator's stream, not a subscription: it is not counted as an SSE transport.
 */
final class StatusStream extends WriteOnlyStream {

    private final Node node;
    private ScheduledFuture<?> ticker;

    private StatusStream(Node node) {
        this.node = node;
    }

    /** Answers with the stream head and replaces the router: nothing else is read on this connection. */
    static void start(ChannelHandlerContext routerCtx, Node node) {
        StatusStream stream = new StatusStream(node);
        SseStream.takeOver(routerCtx, "status-stream", stream);
        stream.ctx.flush();
        stream.ticker = stream.ctx.executor().scheduleAtFixedRate(stream::tick, 0, 1, TimeUnit.SECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        ticker.cancel(false);
        super.channelInactive(ctx);
    }

    private void tick() {
        node.hub().stats().whenComplete((stats, failure) -> {
            if (failure != null) {
                return;
            }
            ObjectNode snapshot = StatusEndpoint.snapshot(node, stats);
            snapshot.put("timeMillis", System.currentTimeMillis());
            byte[] json;
            try {
                json = Envelopes.MAPPER.writeValueAsBytes(snapshot);
            } catch (JsonProcessingException e) {
                return;
            }
            // The stats complete on another loop; writing from there is safe, Netty hands it to this channel's loop.
            ByteBuf event = Chunks.begin(ctx.alloc(), json.length + 8);
            event.writeCharSequence("data: ", StandardCharsets.US_ASCII);
            event.writeBytes(json);
            event.writeCharSequence("\n\n", StandardCharsets.US_ASCII);
            if (ctx.channel().isActive()) {
                ctx.writeAndFlush(Chunks.end(event));
            } else {
                event.release();
            }
        });
    }
}
