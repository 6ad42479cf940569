package dev.halley.transport;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetAddress;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Connection-level counters of one node. Updated once per connection event (open, close,
 * transport chosen, reject), never per message, so plain atomics cost nothing that matters.
 */
public final class NodeCounters {

    /** Why a connection or request was turned away; the words appear in {@code /status}. */
    public enum Reject {
        MAX_CONNECTIONS("max_connections"),
        MAX_PER_ADDRESS("max_per_address"),
        BAD_REQUEST("bad_request"),
        TOO_LARGE("too_large"),
        UNAUTHORIZED("unauthorized"),
        FORBIDDEN("forbidden"),
        RATE_LIMITED("rate_limited"),
        HEADER_TIMEOUT("header_timeout"),
        DEAD_PEER("dead_peer"),
        SLOW_CONSUMER("slow_consumer"),
        FANOUT_BEHIND("fanout_behind"),
        HTTP2_ABUSE("http2_abuse");

        final String word;

        Reject(String word) {
            this.word = word;
        }
    }

    private final Map<EventExecutor, Integer> loopIndex = new IdentityHashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> openPerAddress = new ConcurrentHashMap<>();
    private final AtomicLongArray openPerLoop;
    private final AtomicLongArray byTransport = new AtomicLongArray(Transport.values().length);
    private final LongAdder accepted = new LongAdder();
    private final LongAdder[] rejected = new LongAdder[Reject.values().length];

    NodeCounters(List<? extends EventExecutor> loops) {
        for (int i = 0; i < loops.size(); i++) {
            loopIndex.put(loops.get(i), i);
        }
        openPerLoop = new AtomicLongArray(loops.size());
        for (int i = 0; i < rejected.length; i++) {
            rejected[i] = new LongAdder();
        }
    }

    /** Counts a new connection; returns false when it is one too many and must be turned away. */
    public boolean opened(EventLoop loop, int maxConnections) {
        accepted.increment();
        openPerLoop.incrementAndGet(indexOf(loop));
        return open.incrementAndGet() <= maxConnections;
    }

    public void closed(EventLoop loop) {
        openPerLoop.decrementAndGet(indexOf(loop));
        open.decrementAndGet();
    }

    /** Counts a connection from {@code address} on any listener of the node; returns how many it now has. */
    public int openedFrom(InetAddress address) {
        return openPerAddress.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
    }

    public void closedFrom(InetAddress address) {
        openPerAddress.computeIfPresent(address, (a, n) -> n.decrementAndGet() <= 0 ? null : n);
    }

    void transportStarted(Transport t) {
        byTransport.incrementAndGet(t.ordinal());
    }

    void transportEnded(Transport t) {
        byTransport.decrementAndGet(t.ordinal());
    }

    public void rejected(Reject cause) {
        rejected[cause.ordinal()].increment();
    }

    public int open() {
        return open.get();
    }

    long[] openPerLoop() {
        long[] out = new long[openPerLoop.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = openPerLoop.get(i);
        }
        return out;
    }

    long byTransport(Transport t) {
        return byTransport.get(t.ordinal());
    }

    long accepted() {
        return accepted.sum();
    }

    long rejectedCount(Reject cause) {
        return rejected[cause.ordinal()].sum();
    }

    private int indexOf(EventLoop loop) {
        Integer i = loopIndex.get(loop);
        return i == null ? 0 : i;
    }
}
