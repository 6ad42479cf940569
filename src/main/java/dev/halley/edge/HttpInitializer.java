package dev.halley.edge;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;

/** Assembles an HTTP connection's pipeline: gate, codec, aggregator, router. Nothing else. */
final class HttpInitializer extends ChannelInitializer<SocketChannel> {

    private final Node node;
    private final ConnectionGate gate;

    HttpInitializer(Node node) {
        this.node = node;
        this.gate = new ConnectionGate(node);
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        Limits limits = node.limits();
        node.admin().track(ch);
        ChannelPipeline p = ch.pipeline();
        p.addLast("gate", gate);
        p.addLast("http", new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxUriBytes())
                .setMaxHeaderSize(limits.maxHeaderBytes())));
        p.addLast("aggregator", new HttpObjectAggregator(limits.maxMessageBytes()));
        p.addLast("router", new RequestRouter(node));
    }
}
