package dev.halley.edge;

import dev.halley.transport.HttpPipeline;
import dev.halley.transport.Node;
import dev.halley.transport.NodeCounters;
import dev.halley.transport.Replies;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.NativeInetAddress;
import io.netty.util.AttributeKey;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loop's own {@code SO_REUSEPORT} listening socket on the lean accept path: it accepts
 * without making a Netty channel, applies the connection gate's limits, and reads each request
 * head itself ({@link LeanConnection}); a plain subscribe becomes a held SSE stream at once, and
 * any other connection is handed to Netty with the bytes already read. Confined to its loop.
 *
 * <p>{@code TCP_NODELAY} and {@code SO_KEEPALIVE} are set on the listening socket, from which
 * Linux's accepted sockets inherit them: no per-connection {@code setsockopt}.
 */
final class LeanListener implements EpollIoHandle {

    /**
     * On a channel the lean path handed to Netty: when its head timeout runs out (the connection
     * was timed from its accept); on one a held long-poll gave back ({@link NettyReentry}): one
     * head timeout from then. Its presence also tells the gate the connection is counted.
     */
    static final AttributeKey<Long> HEAD_DEADLINE_NANOS = AttributeKey.valueOf("halley.lean.headDeadlineNanos");

    /** The most a head may take on this path; a longer one is Netty's (which answers 431 or 414). */
    static final int MAX_HEAD_BYTES = 4096;
    /** Accepts per readiness event, so one busy port cannot hold its loop's other work for long. */
    private static final int ACCEPTS_PER_EVENT = 64;
    private static final Logger log = LoggerFactory.getLogger(LeanListener.class);

    private final LinuxSocket socket;
    private final EventLoop loop;
    private final Node node;
    private final HttpPipeline.Role role;
    private final long headTimeoutNanos;
    private final Consumer<EpollSocketChannel> handOff;
    /** Netty's accept writes the peer's address here: a length byte, then the address. */
    private final byte[] acceptedAddress = new byte[26];
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(MAX_HEAD_BYTES);
    private final byte[] headBytes = new byte[MAX_HEAD_BYTES];
    private final ByteBuffer tooMany = refusal(Replies.refusal(503, "Service Unavailable", "too many connections"));
    private final ByteBuffer tooManyFromAddress =
            refusal(Replies.refusal(429, "Too Many Requests", "too many connections from this address"));
    /** Connections whose head is still being read; a drain or close ends them. */
    private final List<LeanConnection> reading = new ArrayList<>();
    private IoRegistration registration;
    private boolean closed;

    /**
     * @param handOff makes a channel Netty's as the listener's bootstrap would (options, pipeline)
     */
    private LeanListener(LinuxSocket socket, EventLoop loop, Node node, HttpPipeline.Role role, long headTimeoutNanos,
                         Consumer<EpollSocketChannel> handOff) {
        this.socket = socket;
        this.loop = loop;
        this.node = node;
        this.role = role;
        this.headTimeoutNanos = headTimeoutNanos;
        this.handOff = handOff;
    }

    /**
     * Binds a socket on {@code address} with {@code SO_REUSEPORT} and starts accepting on
     * {@code loop}; returns once listening. Any thread but {@code loop}'s.
     */
    static LeanListener listen(EventLoop loop, InetSocketAddress address, int backlog, Node node, HttpPipeline.Role role,
                               long headTimeoutNanos, Consumer<EpollSocketChannel> handOff) throws IOException {
        LinuxSocket socket = LinuxSocket.newSocketStream();
        try {
            socket.setReuseAddress(true);
            socket.setReusePort(true);
            socket.setTcpNoDelay(true);
            socket.setKeepAlive(true);
            socket.bind(address);
            socket.listen(backlog);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        LeanListener listener = new LeanListener(socket, loop, node, role, headTimeoutNanos, handOff);
        IoRegistration r;
        try {
            r = ((IoEventLoop) loop).register(listener).syncUninterruptibly().getNow();
        } catch (RuntimeException e) {
            socket.close();
            throw new IOException("cannot register the listening socket: " + e.getMessage(), e);
        }
        loop.execute(() -> {
            listener.registration = r;
            r.submit(EpollIoOps.EPOLLIN);
        });
        return listener;
    }

    /** The address bound (its port, when bound on port 0). */
    InetSocketAddress localAddress() {
        return socket.localAddress();
    }

    @Override
    public FileDescriptor fd() {
        return socket;
    }

    @Override
    public void handle(IoRegistration r, IoEvent event) {
        for (int i = 0; i < ACCEPTS_PER_EVENT && !closed; i++) {
            int fd;
            try {
                fd = socket.accept(acceptedAddress);
            } catch (IOException e) {
                // EMFILE and the like: the connection waits in the backlog; the next event retries.
                log.debug("event=accept_failed cause={}", e.toString());
                return;
            }
            if (fd < 0) {
                return;
            }
            accepted(new FileDescriptor(fd), NativeInetAddress.address(acceptedAddress, 1, acceptedAddress[0]));
        }
    }

    /** The connection gate's counting and limits, as {@link ConnectionGate} applies them to a channel. */
    private void accepted(FileDescriptor accepted, InetSocketAddress remote) {
        NodeCounters counters = node.counters();
        boolean underTotal = counters.opened(loop, node.limits().maxConnections());
        int fromAddress = counters.openedFrom(remote.getAddress());
        LeanConnection connection = new LeanConnection(this, accepted, remote, System.nanoTime() + headTimeoutNanos);
        if (!underTotal) {
            counters.rejected(NodeCounters.Reject.MAX_CONNECTIONS);
            connection.refuse(tooMany.duplicate());
        } else if (fromAddress > node.limits().maxConnectionsPerAddress()) {
            counters.rejected(NodeCounters.Reject.MAX_PER_ADDRESS);
            connection.refuse(tooManyFromAddress.duplicate());
        } else {
            connection.start();
        }
    }

    /** Stops accepting and closes the connections whose head is still being read; on any thread. */
    void stop() {
        if (!loop.isShuttingDown()) {
            loop.execute(this::close);
        }
    }

    /** {@link #stop}, on the loop; Netty calls it too when the loop shuts down. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (registration != null) {
            registration.cancel();
        }
        try {
            socket.close();
        } catch (IOException e) {
            log.debug("event=close_failed cause={}", e.toString());
        }
        for (int i = reading.size() - 1; i >= 0; i--) {
            reading.get(i).close();
        }
    }

    EventLoop loop() {
        return loop;
    }

    Node node() {
        return node;
    }

    HttpPipeline.Role role() {
        return role;
    }

    long headTimeoutNanos() {
        return headTimeoutNanos;
    }

    /** Where this loop's connections read into; every read is consumed before the loop moves on. */
    ByteBuffer readBuffer() {
        return readBuffer;
    }

    /** The heap copy of {@link #readBuffer} a head is parsed from. */
    byte[] headBytes() {
        return headBytes;
    }

    void handOff(EpollSocketChannel channel) {
        handOff.accept(channel);
    }

    void reading(LeanConnection connection) {
        reading.add(connection);
    }

    void doneReading(LeanConnection connection) {
        reading.remove(connection);
    }

    private static ByteBuffer refusal(ByteBuf answer) {
        ByteBuffer direct = ByteBuffer.allocateDirect(answer.readableBytes());
        answer.readBytes(direct);
        answer.release();
        return direct.flip();
    }
}
