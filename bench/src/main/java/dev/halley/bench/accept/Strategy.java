package dev.halley.bench.accept;

import java.util.Arrays;
import java.util.stream.Collectors;

/** How a run's server accepts: the rows of the experiment's table. */
public enum Strategy {
    /** JDK NIO: N threads, each with its own selector, all registered for OP_ACCEPT on one listening socket. */
    HERD("herd"),
    /**
     * N threads in blocking {@code ServerSocket.accept()} on one socket, with JDK 17's legacy socket
     * implementation ({@code -Djdk.net.usePlainSocketImpl=true}). It takes no lock, but waits in
     * poll(2) and then accepts: poll wakes every waiting thread, so this is a herd too. No JDK API
     * lets N threads wait in accept(2) itself, where the kernel would wake only one.
     */
    THREADS("threads"),
    /**
     * The same with the default {@code NioSocketImpl}: it holds a lock across accept(2), so one thread
     * waits in the kernel and the others wait on the lock, which wakes one at a time (as Apache's
     * accept mutex).
     */
    THREADS_LOCKED("threads-locked"),
    /** JDK NIO: one SO_REUSEPORT listening socket per thread, each thread with its own selector. */
    REUSEPORT_NIO("reuseport-nio"),
    /** JDK NIO: one acceptor thread with a selector hands each connection to N loops in turn. */
    HANDOFF_NIO("handoff-nio"),
    /** Netty epoll, as Halley's {@code --accept reuseport}: one SO_REUSEPORT listening channel per loop. */
    NETTY_REUSEPORT("netty-reuseport"),
    /** Netty epoll, as Halley's {@code --accept single}: loop 0 accepts and hands connections to all N loops. */
    NETTY_SINGLE("netty-single");

    private final String word;

    Strategy(String word) {
        this.word = word;
    }

    /** The name used on the command line and in the table. */
    public String word() {
        return word;
    }

    /** The strategy named {@code word}, or an exception listing the names. */
    public static Strategy of(String word) {
        for (Strategy s : values()) {
            if (s.word.equals(word)) {
                return s;
            }
        }
        throw new IllegalArgumentException("strategy must be one of " + words() + ", got " + word);
    }

    static String words() {
        return Arrays.stream(values()).map(Strategy::word).collect(Collectors.joining(", "));
    }
}
