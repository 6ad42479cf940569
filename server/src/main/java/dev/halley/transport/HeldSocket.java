package dev.halley.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.IovArray;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stream's socket held outside Netty's channel objects: once a stream's answer head is out, all
 * it needs is its file descriptor, registered straight with its loop's epoll through Netty's
 * {@link EpollIoHandle}, and the bytes it could not write yet. The Netty channel it came from
 * (pipeline, contexts, config, outbound buffer, cached addresses: ~1,300 B) is deregistered and
 * left to the garbage collector without being closed, so the descriptor lives on here.
 *
 * <p>Writes are queued and written with one {@code writev} per flush, which the stream asks for
 * once per loop turn. What the kernel does not take stays queued and is written when epoll says
 * the socket is writable again; past {@code maxPendingBytes} the stream is a slow consumer
 * ({@link #isWritable}). Bytes the client sends go to the stream's {@link Reader}, or are read and
 * dropped when it has none (SSE); end of input or an error closes the socket. A held long-poll's
 * socket, once its answer is out, is {@link #release released} for Netty to take back. Confined to
 * its loop: every method runs on it.
 */
final class HeldSocket implements EpollIoHandle, StreamSession.Connection {

    /** The stream a held socket carries. */
    interface Owner {
        /** The socket is closed (by the peer, an error, or here); called once, on the loop. */
        void socketClosed();

        /** The node drains: write the stream's last words; the socket closes once they are out. */
        void drain();
    }

    /** What a stream that listens to its client (WebSocket) does with the bytes it sends. */
    interface Reader {
        /**
         * Takes the bytes just read, in order. {@code bytes} is a view of the loop's shared
         * scratch buffer, valid only during the call: what is kept must be copied. Called on the
         * loop, never after the socket closed.
         */
        void read(ByteBuf bytes);
    }

    private static final Logger log = LoggerFactory.getLogger(HeldSocket.class);
    private static final EpollIoOps READ = EpollIoOps.EPOLLIN.with(EpollIoOps.EPOLLRDHUP);
    private static final EpollIoOps READ_WRITE = READ.with(EpollIoOps.EPOLLOUT);
    private static final ByteBuf[] EMPTY = new ByteBuf[0];

    private final FileDescriptor fd;
    private final HeldSockets loopSockets;
    private final Node node;
    private final EventLoop loop;
    /** The peer's IPv4 address, or 0 with {@link #otherPeer} set (IPv6) or not (no address). */
    private final int peerIpv4;
    private final InetAddress otherPeer;
    private Owner owner;
    /** Null when what the client sends is dropped. */
    private Reader reader;
    private IoRegistration registration;
    /** Buffers not yet (fully) written, oldest first, {@code queued} of them from index 0. */
    private ByteBuf[] queue = EMPTY;
    private int queued;
    private int pendingBytes;
    /** Whether epoll also reports writability: only while a write is left over. */
    private boolean wantsWritable;
    /** What to do once the queue is written out ({@link #whenFlushed}); null: nothing. */
    private Runnable whenFlushed;
    /** Closed, or given up to someone else ({@link #release}): nothing more happens here. */
    private boolean closed;
    /**
     * True from {@link #take} until the registration with the loop succeeded or failed: closing
     * the descriptor meanwhile would let the kernel give its number to a new connection, which
     * the pending registration would then take. Its close waits until then.
     */
    private boolean registering = true;
    /** This socket's index in {@link #loopSockets}, kept by it. */
    int registryIndex = -1;

    private HeldSocket(FileDescriptor fd, EventLoop loop, Node node, InetAddress peer) {
        this.fd = fd;
        this.loop = loop;
        this.node = node;
        this.loopSockets = HeldSockets.of(loop, node.admin());
        if (peer instanceof Inet4Address) {
            byte[] b = peer.getAddress();
            this.peerIpv4 = (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
            this.otherPeer = null;
        } else {
            this.peerIpv4 = 0;
            this.otherPeer = peer;
        }
    }

    /**
     * Whether {@code channel} can leave Netty: a plain (not TLS) epoll socket with nothing left in
     * its outbound buffer. Called on its loop.
     */
    static boolean canHold(Channel channel) {
        return channel instanceof EpollSocketChannel
                && channel.isActive()
                && channel.pipeline().get(SslHandler.class) == null
                && channel.unsafe().outboundBuffer() != null
                && channel.unsafe().outboundBuffer().totalPendingWriteBytes() == 0;
    }

    /**
     * Takes the descriptor of {@code channel} (which {@link #canHold}) away from Netty: the channel
     * leaves the node's connection group and its loop, and the socket is registered with the same
     * loop in its place. What {@code owner} writes meanwhile is queued and written once registered.
     * Called on the channel's loop.
     */
    static HeldSocket take(Channel channel, Node node, Owner owner) {
        return take(channel, node, owner, null);
    }

    /**
     * {@link #take(Channel, Node, Owner)}, with what the client sends from now on going to
     * {@code reader} (null: dropped). Bytes Netty has read and not yet passed on are not moved
     * over, so take a channel only when none can be pending.
     */
    static HeldSocket take(Channel channel, Node node, Owner owner, Reader reader) {
        EventLoop loop = channel.eventLoop();
        InetAddress peer = channel.remoteAddress() instanceof InetSocketAddress isa ? isa.getAddress() : null;
        HeldSocket socket = new HeldSocket(new FileDescriptor(((EpollSocketChannel) channel).fd().intValue()), loop, node, peer);
        socket.owner = owner;
        socket.reader = reader;
        socket.loopSockets.add(socket);
        node.admin().untrack(channel);
        // The descriptor must leave Netty's epoll registration before it joins ours under the same number.
        channel.deregister().addListener(deregistered -> {
            if (!channel.isOpen()) {
                // Netty closed the descriptor meanwhile (the peer's end of input was read first) and
                // counted the connection's end: its number may be a new connection's already.
                socket.abandoned();
                return;
            }
            if (!deregistered.isSuccess()) {
                log.warn("event=hold_failed step=deregister cause={}", deregistered.cause().toString());
                socket.registrationFailed();
                return;
            }
            socket.register();
        });
        return socket;
    }

    /**
     * Holds a socket that never was a Netty channel: {@code fd}, accepted and answered on
     * {@code loop} by the edge's lean accept path, is registered with that loop at once. What
     * {@code owner} writes before then is queued as with {@link #take}. Called on {@code loop}.
     */
    static HeldSocket adopt(FileDescriptor fd, EventLoop loop, Node node, InetAddress peer, Owner owner) {
        HeldSocket socket = new HeldSocket(fd, loop, node, peer);
        socket.owner = owner;
        socket.loopSockets.add(socket);
        // On its own loop the registration completes before register() returns.
        socket.register();
        return socket;
    }

    /** Registers the descriptor with this socket's loop; what was queued meanwhile is written once it is. */
    private void register() {
        ((IoEventLoop) loop).register(this).addListener(registered -> {
            if (!registered.isSuccess()) {
                log.warn("event=hold_failed step=register cause={}", registered.cause().toString());
                registrationFailed();
                return;
            }
            registered((IoRegistration) registered.getNow());
        });
    }

    private void registered(IoRegistration r) {
        registering = false;
        registration = r;
        if (closed) {
            r.cancel();
            closeDescriptor();
            return;
        }
        r.submit(READ);
        flush();
    }

    private void abandoned() {
        registering = false;
        closed = true;
        releaseQueue();
        loopSockets.remove(this);
        owner.socketClosed();
    }

    private void registrationFailed() {
        registering = false;
        close();
        closeDescriptor();
    }

    /**
     * Queues {@code buf} (its ownership passes here) to be written at the next {@link #flush}. Its
     * indexes are never moved, so one buffer may be queued on many sockets at once
     * ({@link SharedEncoding#sharedFor}).
     */
    void write(ByteBuf buf) {
        if (closed) {
            buf.release();
            return;
        }
        ByteBuf direct = buf;
        if (!buf.isDirect()) {
            // writev needs native memory; only the few constant heap buffers take this path.
            direct = ByteBufAllocator.DEFAULT.directBuffer(buf.readableBytes());
            direct.writeBytes(buf, buf.readerIndex(), buf.readableBytes());
            buf.release();
        }
        if (queued == queue.length) {
            queue = Arrays.copyOf(queue, Math.max(2, queued * 2));
        }
        queue[queued++] = direct;
        pendingBytes += direct.readableBytes();
    }

    /** Writes what is queued, as much as the socket takes now, in one {@code writev}. */
    void flush() {
        if (closed || registration == null || wantsWritable) {
            return;
        }
        writeQueued();
    }

    /** Closes once what is queued now is written; flushes it. */
    void closeWhenFlushed() {
        whenFlushed(this::close);
    }

    /**
     * Runs {@code then} on the loop once everything queued now is written (at once when nothing is
     * and the socket is registered); flushes. Not run if the socket closes first.
     */
    void whenFlushed(Runnable then) {
        whenFlushed = then;
        flush();
    }

    /**
     * Gives the descriptor up without closing it: it leaves the loop's epoll and its held sockets,
     * and the connection stays counted as open, for whoever takes the descriptor next (it goes
     * back to Netty). Nothing is queued by then ({@link #whenFlushed}); the owner is not told.
     */
    FileDescriptor release() {
        closed = true;
        registration.cancel();
        loopSockets.remove(this);
        return fd;
    }

    @Override
    public boolean isWritable() {
        return !closed && pendingBytes <= node.limits().maxOutboundBytes();
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public String describe() {
        return "fd " + fd.intValue();
    }

    @Override
    public FileDescriptor fd() {
        return fd;
    }

    @Override
    public void handle(IoRegistration r, IoEvent event) {
        EpollIoOps ops = ((EpollIoEvent) event).ops();
        if (ops.contains(EpollIoOps.EPOLLOUT)) {
            writeQueued();
        }
        // Anything but writability (input, end of input, hang-up, error) is answered by reading:
        // epoll here is level-triggered, so an event left unread would come back at once.
        if (!closed && ops.without(EpollIoOps.EPOLLOUT).value() != 0) {
            readInput();
        }
    }

    /** Called by Netty when the loop shuts down, and by {@link #close} paths here. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        releaseQueue();
        if (registration != null) {
            registration.cancel();
        }
        if (!registering) {
            closeDescriptor();
        }
        loopSockets.remove(this);
        node.counters().closed(loop);
        InetAddress peer = peer();
        if (peer != null) {
            node.counters().closedFrom(peer);
        }
        owner.socketClosed();
    }

    void drain() {
        owner.drain();
    }

    private void releaseQueue() {
        for (int i = 0; i < queued; i++) {
            queue[i].release();
        }
        queue = EMPTY;
        queued = 0;
        pendingBytes = 0;
    }

    private void closeDescriptor() {
        try {
            fd.close();
        } catch (IOException e) {
            log.debug("event=close_failed fd={} cause={}", fd.intValue(), e.toString());
        }
    }

    /** The peer's address; null when it had none. */
    InetAddress peer() {
        if (otherPeer != null || peerIpv4 == 0) {
            return otherPeer;
        }
        int a = peerIpv4;
        try {
            return InetAddress.getByAddress(new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a});
        } catch (UnknownHostException e) {
            throw new IllegalStateException("four bytes are always an IPv4 address", e);
        }
    }

    private void writeQueued() {
        if (queued > 0) {
            IovArray iov = loopSockets.iov();
            iov.clear();
            int i = 0;
            while (i < queued && iov.add(queue[i], queue[i].readerIndex(), queue[i].readableBytes())) {
                i++;
            }
            long written;
            try {
                written = fd.writevAddresses(iov.memoryAddress(0), iov.count());
            } catch (IOException e) {
                log.debug("event=write_failed fd={} cause={}", fd.intValue(), e.toString());
                close();
                return;
            }
            consume(written);
        }
        if (queued > 0) {
            if (!wantsWritable) {
                wantsWritable = true;
                registration.submit(READ_WRITE);
            }
            return;
        }
        if (wantsWritable) {
            wantsWritable = false;
            registration.submit(READ);
        }
        if (whenFlushed != null) {
            Runnable then = whenFlushed;
            whenFlushed = null;
            then.run();
        }
    }

    /** Drops what {@code written} bytes covered from the head of the queue. */
    private void consume(long written) {
        pendingBytes -= (int) written;
        long left = written;
        int done = 0;
        while (done < queued && left >= queue[done].readableBytes()) {
            left -= queue[done].readableBytes();
            queue[done].release();
            done++;
        }
        if (done < queued && left > 0) {
            // The rest as a slice of its own: the buffer may be queued on other sockets too.
            ByteBuf partly = queue[done];
            queue[done] = partly.retainedSlice(partly.readerIndex() + (int) left, partly.readableBytes() - (int) left);
            partly.release();
        }
        System.arraycopy(queue, done, queue, 0, queued - done);
        Arrays.fill(queue, queued - done, queued, null);
        queued -= done;
        if (queued == 0) {
            // An idle stream keeps no array; the next burst allocates a small one again.
            queue = EMPTY;
        }
    }

    /** Reads until the socket has nothing more, handing each read to the reader (if any). */
    private void readInput() {
        try {
            while (!closed) {
                int n = fd.read(loopSockets.scratch(), 0, HeldSockets.SCRATCH_BYTES);
                if (n == 0) {
                    return;
                }
                if (n < 0) {
                    close();
                    return;
                }
                if (reader != null) {
                    reader.read(loopSockets.scratchBytes(n));
                }
            }
        } catch (IOException e) {
            log.debug("event=read_failed fd={} cause={}", fd.intValue(), e.toString());
            close();
        }
    }
}
