package dev.halley.edge;

import dev.halley.loops.TickWheel;
import dev.halley.transport.LeanSubscribe;
import dev.halley.transport.NodeCounters;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection accepted on the lean path whose request head is being read. It ends one of three
 * ways, each once: a held SSE stream ({@link LeanSubscribe}), Netty's ({@link #handOff}: a
 * {@link EpollSocketChannel} on the same descriptor and loop, built by the listener's initializer,
 * fed the bytes read so far), or closed (end of input, an error, the head timeout, a drain).
 *
 * <p>Most heads arrive whole with the connection, so the first read, right after accept, usually
 * decides: only a head still incomplete then registers with epoll, keeps its own copy of what it
 * has read, and joins the loop's {@link TickWheel} of head timeouts (one timer per loop, not one
 * per connection). The wheel closes such a connection between seven eighths of the timeout and the
 * timeout after its accept. Confined to the listener's loop.
 */
final class LeanConnection implements EpollIoHandle, TickWheel.Member {

    private static final TickWheel HEAD_TIMEOUTS = new TickWheel();
    private static final Logger log = LoggerFactory.getLogger(LeanConnection.class);

    private final LeanListener listener;
    /** A bare descriptor: Netty's socket types ask the kernel for the address family when made. */
    private final FileDescriptor socket;
    private final InetSocketAddress remote;
    private final long headDeadlineNanos;
    /** What has been read of a head that did not come whole; null until then. */
    private byte[] partial;
    private int partialLength;
    private IoRegistration registration;
    private int wheelPosition = -1;
    private boolean done;

    LeanConnection(LeanListener listener, FileDescriptor socket, InetSocketAddress remote, long headDeadlineNanos) {
        this.listener = listener;
        this.socket = socket;
        this.remote = remote;
        this.headDeadlineNanos = headDeadlineNanos;
    }

    /** Reads what the client has sent; waits for the rest when that is not a whole head yet. */
    void start() {
        readHead();
    }

    /** Writes {@code answer} (a connection gate refusal) as far as the socket takes it, and closes. */
    void refuse(ByteBuffer answer) {
        try {
            socket.write(answer, answer.position(), answer.limit());
        } catch (IOException e) {
            log.debug("event=refusal_failed remote={} cause={}", remote, e.toString());
        }
        close();
    }

    @Override
    public FileDescriptor fd() {
        return socket;
    }

    @Override
    public void handle(IoRegistration r, IoEvent event) {
        if (!done) {
            readHead();
        }
    }

    @Override
    public void beat() {
        if (!done) {
            listener.node().counters().rejected(NodeCounters.Reject.HEADER_TIMEOUT);
            close();
        }
    }

    @Override
    public int wheelPosition() {
        return wheelPosition;
    }

    @Override
    public void wheelPosition(int position) {
        wheelPosition = position;
    }

    /** Closes the connection, which sent no whole head; its count ends here. Called by Netty on loop shutdown too. */
    @Override
    public void close() {
        if (done) {
            return;
        }
        finishReading();
        try {
            socket.close();
        } catch (IOException e) {
            log.debug("event=close_failed remote={} cause={}", remote, e.toString());
        }
        NodeCounters counters = listener.node().counters();
        counters.closed(listener.loop());
        counters.closedFrom(remote.getAddress());
    }

    private void readHead() {
        ByteBuffer buffer = listener.readBuffer();
        for (;;) {
            int room = LeanListener.MAX_HEAD_BYTES - partialLength;
            int n;
            try {
                n = socket.read(buffer, 0, room);
            } catch (IOException e) {
                log.debug("event=read_failed remote={} cause={}", remote, e.toString());
                close();
                return;
            }
            if (n < 0) {
                close();
                return;
            }
            if (n == 0) {
                awaitMore();
                return;
            }
            byte[] bytes;
            int length;
            if (partial == null) {
                bytes = listener.headBytes();
                buffer.get(0, bytes, 0, n);
                length = n;
            } else {
                if (partialLength + n > partial.length) {
                    partial = Arrays.copyOf(partial, Math.min(LeanListener.MAX_HEAD_BYTES, Math.max(partial.length * 2, partialLength + n)));
                }
                buffer.get(0, partial, partialLength, n);
                partialLength += n;
                bytes = partial;
                length = partialLength;
            }
            if (decide(bytes, length)) {
                return;
            }
            if (partial == null) {
                partial = Arrays.copyOf(bytes, Math.max(256, n * 2));
                partialLength = n;
            }
        }
    }

    /** Serves or hands off the head in {@code bytes[0, length)} when it can be decided; false when more is needed. */
    private boolean decide(byte[] bytes, int length) {
        SubscribeHead head = SubscribeHead.parse(bytes, length,
                listener.node().limits().maxUriBytes(), listener.node().limits().maxHeaderBytes());
        if (head == SubscribeHead.INCOMPLETE && length < LeanListener.MAX_HEAD_BYTES) {
            return false;
        }
        // Bytes after the head are a pipelined request: Netty reads those in order.
        if (head.complete() && head.length() == length) {
            finishReading();
            if (LeanSubscribe.trySse(listener.node(), listener.role(), listener.loop(), socket, remote.getAddress(),
                    head.uri(), head.accept(), head.lastEventId())) {
                return true;
            }
        }
        handOff(bytes, length);
        return true;
    }

    /** Registers for input, once, and starts the head timeout then. */
    private void awaitMore() {
        if (registration != null) {
            return;
        }
        try {
            registration = ((IoEventLoop) listener.loop()).register(this).syncUninterruptibly().getNow();
        } catch (RuntimeException e) {
            log.debug("event=register_failed remote={} cause={}", remote, e.toString());
            close();
            return;
        }
        registration.submit(EpollIoOps.EPOLLIN.with(EpollIoOps.EPOLLRDHUP));
        listener.reading(this);
        HEAD_TIMEOUTS.join(listener.loop(), Duration.ofNanos(listener.headTimeoutNanos()), this);
    }

    /** Leaves epoll, the wheel and the listener's list: the descriptor is about to be someone else's. */
    private void finishReading() {
        done = true;
        if (registration != null) {
            registration.cancel();
            registration = null;
            listener.doneReading(this);
        }
        HEAD_TIMEOUTS.leave(this);
    }

    /**
     * Gives the connection to Netty as if Netty had accepted it: the listener's initializer builds
     * the pipeline, and once it is active the bytes read here go in first, so Netty serves the
     * request exactly as it serves any.
     */
    private void handOff(byte[] bytes, int length) {
        finishReading();
        partial = null;
        EpollSocketChannel channel = new EpollSocketChannel(socket.intValue());
        if (!channel.isActive()) {
            // The socket has an error already (reset by the peer): Netty would never see it become
            // active or inactive, so it is closed here, uncounted as any unread connection is.
            done = false;
            close();
            return;
        }
        channel.attr(LeanListener.HEAD_DEADLINE_NANOS).set(headDeadlineNanos);
        ByteBuf read = channel.alloc().buffer(length).writeBytes(bytes, 0, length);
        channel.pipeline().addLast(new ReadSoFar(read));
        listener.handOff(channel);
        listener.loop().register(channel).addListener(registered -> {
            if (!registered.isSuccess()) {
                log.warn("event=hand_off_failed remote={} cause={}", remote, registered.cause().toString());
                read.release();
                done = false;
                close();
            }
        });
    }

    /** First in a handed-off pipeline: replays the bytes the lean path read, right after the channel is active. */
    static final class ReadSoFar extends ChannelInboundHandlerAdapter {
        private ByteBuf read;

        ReadSoFar(ByteBuf read) {
            this.read = read;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            super.channelActive(ctx);
            ByteBuf bytes = read;
            // Ownership passes down the pipeline with the read.
            read = null;
            ctx.fireChannelRead(bytes);
            ctx.fireChannelReadComplete();
            ctx.pipeline().remove(this);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (read != null) {
                read.release();
                read = null;
            }
        }
    }
}
