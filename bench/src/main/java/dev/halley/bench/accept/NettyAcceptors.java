package dev.halley.bench.accept;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The two strategies Halley itself uses, on Netty's epoll transport and set up as
 * {@code dev.halley.edge.HalleyServer} does: a listening channel per loop with SO_REUSEPORT, or
 * one listening channel on one of the loops handing connections to all of them.
 */
final class NettyAcceptors {

    private NettyAcceptors() {
    }

    /** Starts the loops and binds; returns the port bound. The loops run until the process exits. */
    static int start(Strategy strategy, InetSocketAddress address, AcceptCounters counters) throws InterruptedException {
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(counters.loops(), new DefaultThreadFactory("acc-loop"),
                EpollIoHandler.newFactory());
        Map<EventExecutor, Integer> index = new IdentityHashMap<>();
        loops.forEach(e -> index.put(e, index.size()));
        CloseOnActive child = new CloseOnActive(counters, index);
        if (strategy == Strategy.NETTY_REUSEPORT) {
            InetSocketAddress bound = address;
            for (EventExecutor e : loops) {
                EventLoop loop = (EventLoop) e;
                Channel ch = bootstrap(loop, loop, new AcceptBatches(counters, index.get(loop)), child)
                        .option(EpollChannelOption.SO_REUSEPORT, true)
                        .bind(bound).sync().channel();
                // Port 0 picks a free port once; every other loop must join that same port.
                bound = (InetSocketAddress) ch.localAddress();
            }
            return bound.getPort();
        }
        EventLoop acceptor = loops.next();
        Channel ch = bootstrap(acceptor, loops, new AcceptBatches(counters, index.get(acceptor)), child).bind(address).sync().channel();
        return ((InetSocketAddress) ch.localAddress()).getPort();
    }

    private static ServerBootstrap bootstrap(EventLoopGroup acceptor, EventLoopGroup workers, ChannelHandler batches,
            ChannelHandler child) {
        return new ServerBootstrap()
                .group(acceptor, workers)
                .channel(EpollServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, NioAcceptors.BACKLOG)
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(batches)
                .childHandler(child);
    }

    /**
     * Sits on a listening channel: every accepted connection passes it as a read, and each read
     * batch (one per epoll wake-up of that channel) ends with {@code channelReadComplete}.
     */
    private static final class AcceptBatches extends ChannelInboundHandlerAdapter {
        private final AcceptCounters counters;
        private final int loop;
        private int acceptedInBatch;

        AcceptBatches(AcceptCounters counters, int loop) {
            this.counters = counters;
            this.loop = loop;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            acceptedInBatch++;
            ctx.fireChannelRead(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            counters.wokeUp(loop, acceptedInBatch);
            acceptedInBatch = 0;
            ctx.fireChannelReadComplete();
        }
    }

    /** Counts each connection on the loop that was given it, and closes it. */
    @ChannelHandler.Sharable
    private static final class CloseOnActive extends ChannelInboundHandlerAdapter {
        private final AcceptCounters counters;
        private final Map<EventExecutor, Integer> index;

        CloseOnActive(AcceptCounters counters, Map<EventExecutor, Integer> index) {
            this.counters = counters;
            this.index = index;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            counters.accepted(index.get(ctx.channel().eventLoop()));
            ctx.close();
        }
    }
}
