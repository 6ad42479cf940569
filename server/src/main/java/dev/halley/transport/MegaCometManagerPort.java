package dev.halley.transport;

import io.netty.channel.ChannelPipeline;

/** MegaComet's manager port: its app protocol decoded and published, one connection's pipeline. */
public final class MegaCometManagerPort {

    private MegaCometManagerPort() {
    }

    /** Adds the decoder and the publishing handler; ids and messages are bounded by the node's limits. */
    public static void addHandlers(ChannelPipeline p, Node node) {
        Limits limits = node.limits();
        p.addLast(new ManagerProtocolDecoder(limits.maxNameLength() * 4, limits.maxMessageBytes()), new ManagerProtocolHandler(node));
    }
}
