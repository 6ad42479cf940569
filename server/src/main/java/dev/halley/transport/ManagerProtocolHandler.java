package dev.halley.transport;

import dev.halley.message.Topic;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes what the MegaComet manager protocol decodes. The protocol has no answer, so a bad
 * client id closes the connection: silently dropping the frame would lose a message unseen.
 */
final class ManagerProtocolHandler extends SimpleChannelInboundHandler<ManagerProtocolDecoder.Publication> {

    private static final Logger log = LoggerFactory.getLogger(ManagerProtocolHandler.class);

    private final Node node;

    ManagerProtocolHandler(Node node) {
        this.node = node;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ManagerProtocolDecoder.Publication p) {
        String problem = Names.checkTopicName(p.clientId(), node.limits().maxNameLength());
        if (problem != null) {
            log.info("event=manager_protocol_rejected remote={} reason=\"{}\"", ctx.channel().remoteAddress(), problem);
            node.counters().rejected(NodeCounters.Reject.BAD_REQUEST);
            ctx.close();
            return;
        }
        node.hub().publish(Topic.client(p.clientId()), Envelopes.jsonString(p.message())).whenComplete((m, e) -> {
            if (e != null) {
                log.warn("event=publish_failed source=manager_protocol client={} cause={}", p.clientId(), e.toString());
            }
        });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.info("event=manager_protocol_rejected remote={} reason=\"{}\"", ctx.channel().remoteAddress(), cause.getMessage());
        node.counters().rejected(NodeCounters.Reject.BAD_REQUEST);
        ctx.close();
    }
}
