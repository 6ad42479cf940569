package dev.halley.edge;

import dev.halley.transport.HttpPipeline;
import dev.halley.transport.Node;
import dev.halley.transport.NodeCounters;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.net.InetAddress;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives Netty back a plain HTTP/1.1 connection a held long-poll took off it, once the poll is
 * answered: an {@link EpollSocketChannel} on the same descriptor and loop, configured and built as
 * the listener's accepted channels are, fed first what the client sent meanwhile
 * ({@link LeanConnection.ReadSoFar}). It is marked as the lean path marks what it hands off, so
 * the gate does not count it again (it was counted when accepted and is still open) and its head
 * timeout runs from now, as after any answer. Confined to the connection's loop.
 */
final class NettyReentry implements HttpPipeline.Reentry {

    private static final Logger log = LoggerFactory.getLogger(NettyReentry.class);

    private final Node node;
    private final long headTimeoutNanos;
    private final Consumer<EpollSocketChannel> build;

    /** @param build gives a channel the listener's options, tracking and pipeline */
    NettyReentry(Node node, long headTimeoutNanos, Consumer<EpollSocketChannel> build) {
        this.node = node;
        this.headTimeoutNanos = headTimeoutNanos;
        this.build = build;
    }

    @Override
    public void reenter(EventLoop loop, FileDescriptor fd, InetAddress peer, ByteBuf readSoFar) {
        EpollSocketChannel channel = new EpollSocketChannel(fd.intValue());
        if (!channel.isActive()) {
            // Reset by the peer meanwhile: Netty would never see it become active or inactive.
            readSoFar.release();
            close(loop, fd, peer);
            return;
        }
        channel.attr(LeanListener.HEAD_DEADLINE_NANOS).set(System.nanoTime() + headTimeoutNanos);
        boolean replays = readSoFar.isReadable();
        if (replays) {
            channel.pipeline().addLast(new LeanConnection.ReadSoFar(readSoFar));
        } else {
            readSoFar.release();
        }
        build.accept(channel);
        loop.register(channel).addListener(registered -> {
            if (!registered.isSuccess()) {
                log.warn("event=reentry_failed remote={} cause={}", peer, registered.cause().toString());
                if (replays) {
                    readSoFar.release();
                }
                close(loop, fd, peer);
            }
        });
    }

    /** Closes a connection no channel took; its count ends here. */
    private void close(EventLoop loop, FileDescriptor fd, InetAddress peer) {
        try {
            fd.close();
        } catch (IOException e) {
            log.debug("event=close_failed remote={} cause={}", peer, e.toString());
        }
        NodeCounters counters = node.counters();
        counters.closed(loop);
        if (peer != null) {
            counters.closedFrom(peer);
        }
    }
}
