package dev.halley.bench.accept;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The strategies Netty cannot express, in plain JDK NIO and {@link ServerSocket}. Every thread is
 * named {@code acc-...} so that {@link ThreadStats} counts it, and runs until the process exits.
 * Each accepted connection is closed at once: the experiment measures accepting, nothing else.
 */
final class NioAcceptors {

    private static final Logger log = LoggerFactory.getLogger(NioAcceptors.class);

    static final int BACKLOG = 4096;

    // As Netty's default of 16 messages per read: a wake-up drains a burst, not the whole queue.
    private static final int MAX_ACCEPTS_PER_WAKEUP = 16;

    private NioAcceptors() {
    }

    /** N selectors all registered on one listening socket: every pending connection wakes each of them. */
    static int herd(InetSocketAddress address, AcceptCounters counters) throws IOException {
        ServerSocketChannel shared = listen(address, false);
        for (int i = 0; i < counters.loops(); i++) {
            int loop = i;
            start("acc-herd-" + i, () -> selectLoop(shared, loop, counters));
        }
        return port(shared);
    }

    /** One SO_REUSEPORT socket per thread: the kernel picks the socket by a hash of the connection's addresses. */
    static int reuseport(InetSocketAddress address, AcceptCounters counters) throws IOException {
        InetSocketAddress bound = address;
        for (int i = 0; i < counters.loops(); i++) {
            ServerSocketChannel own = listen(bound, true);
            // Port 0 picks a free port once; every other socket must join that same port.
            bound = new InetSocketAddress(address.getAddress(), port(own));
            int loop = i;
            start("acc-reuse-" + i, () -> selectLoop(own, loop, counters));
        }
        return bound.getPort();
    }

    /**
     * N threads blocked in {@link ServerSocket#accept()} on one socket. Whether they wait in the
     * kernel together or on a Java lock depends on the JDK's socket implementation (see {@link Strategy#THREADS}).
     */
    static int threads(InetSocketAddress address, AcceptCounters counters) throws IOException {
        ServerSocket shared = new ServerSocket();
        shared.setReuseAddress(true);
        shared.bind(address, BACKLOG);
        for (int i = 0; i < counters.loops(); i++) {
            int loop = i;
            start("acc-thread-" + i, () -> {
                while (true) {
                    Socket s = shared.accept();
                    counters.wokeUp(loop, 1);
                    counters.accepted(loop);
                    s.close();
                }
            });
        }
        return shared.getLocalPort();
    }

    /** One acceptor thread with its own selector hands connections to N loops in turn. */
    static int handoff(InetSocketAddress address, AcceptCounters counters) throws IOException {
        ServerSocketChannel shared = listen(address, false);
        HandoffLoop[] loops = new HandoffLoop[counters.loops()];
        for (int i = 0; i < loops.length; i++) {
            loops[i] = new HandoffLoop(Selector.open());
            HandoffLoop loop = loops[i];
            start("acc-loop-" + i, loop::run);
        }
        start("acc-acceptor", () -> {
            int next = 0;
            try (Selector selector = Selector.open()) {
                shared.register(selector, SelectionKey.OP_ACCEPT);
                while (true) {
                    selector.select();
                    selector.selectedKeys().clear();
                    int n = 0;
                    SocketChannel s;
                    while (n < MAX_ACCEPTS_PER_WAKEUP && (s = shared.accept()) != null) {
                        n++;
                        counters.accepted(next);
                        loops[next].hand(s);
                        next = (next + 1) % loops.length;
                    }
                    // The acceptor's wake-ups go to slot 0; the loops' wake-ups show as context switches.
                    counters.wokeUp(0, n);
                }
            }
        });
        return port(shared);
    }

    private static void selectLoop(ServerSocketChannel listener, int loop, AcceptCounters counters) throws IOException {
        try (Selector selector = Selector.open()) {
            listener.register(selector, SelectionKey.OP_ACCEPT);
            while (true) {
                selector.select();
                selector.selectedKeys().clear();
                int n = 0;
                SocketChannel s;
                while (n < MAX_ACCEPTS_PER_WAKEUP && (s = listener.accept()) != null) {
                    n++;
                    counters.accepted(loop);
                    s.close();
                }
                counters.wokeUp(loop, n);
            }
        }
    }

    private static int port(ServerSocketChannel ch) throws IOException {
        return ((InetSocketAddress) ch.getLocalAddress()).getPort();
    }

    private static ServerSocketChannel listen(InetSocketAddress address, boolean reusePort) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open();
        ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        if (reusePort) {
            ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
        }
        ch.bind(address, BACKLOG);
        ch.configureBlocking(false);
        return ch;
    }

    /** A loop that only closes what the acceptor hands it; woken by {@link Selector#wakeup()}. */
    private static final class HandoffLoop {
        private final Selector selector;
        private final Queue<SocketChannel> handed = new ConcurrentLinkedQueue<>();

        HandoffLoop(Selector selector) {
            this.selector = selector;
        }

        /** Called on the acceptor thread. */
        void hand(SocketChannel s) {
            handed.add(s);
            selector.wakeup();
        }

        void run() throws IOException {
            while (true) {
                selector.select();
                SocketChannel s;
                while ((s = handed.poll()) != null) {
                    s.close();
                }
            }
        }
    }

    /** A thread body that may fail with an I/O error. */
    private interface IoLoop {
        void run() throws IOException;
    }

    /** A failed thread ends the whole server: its counts would be wrong, and the runner sees the exit. */
    private static void start(String name, IoLoop body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (IOException | RuntimeException e) {
                log.error("event=accept_thread_failed thread={} error={}", name, e.toString());
                Runtime.getRuntime().halt(1);
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }
}
