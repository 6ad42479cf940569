package dev.halley.bench.accept;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The client of one run, a process of its own: {@code threads} threads connect as fast as they can
 * ({@code rate} 0) or at {@code rate} connections per second, each connection from the next source address of a range and closed right after it is established,
 * until {@code connections} were attempted or {@code seconds} passed. Started by
 * {@link AcceptExperiment} as {@code ConnectStorm <host> <port> <connections> <seconds> <threads> <sources> <rate>};
 * prints one line {@code result connected=.. failed=.. nanos=.. error=..} ({@code error} is the
 * first failure, or {@code -}).
 *
 * <p>Binding each socket to a source address before connecting spreads the connections over many
 * four-tuples, so neither the 28k ephemeral ports of one address nor TIME_WAIT limit the rate.
 */
public final class ConnectStorm {

    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;

    private ConnectStorm() {
    }

    public static void main(String[] args) throws InterruptedException, UnknownHostException {
        if (args.length != 7) {
            throw new IllegalArgumentException("usage: ConnectStorm <host> <port> <connections> <seconds> <threads> <sources> <rate>, got "
                    + Arrays.toString(args));
        }
        InetSocketAddress target = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        long connections = Long.parseLong(args[2]);
        long deadline = System.nanoTime() + Long.parseLong(args[3]) * 1_000_000_000L;
        int threads = Integer.parseInt(args[4]);
        List<InetAddress> sources = sources(args[5]);
        long rate = Long.parseLong(args[6]);
        long intervalNanos = rate == 0 ? 0 : 1_000_000_000L / rate;
        AtomicLong issued = new AtomicLong();
        LongAdder connected = new LongAdder();
        LongAdder failed = new LongAdder();
        AtomicReference<String> firstError = new AtomicReference<>("-");

        long start = System.nanoTime();
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> {
                long k;
                while ((k = issued.getAndIncrement()) < connections) {
                    // Connection k is due at start + k intervals, so the offered rate holds whatever each connect costs.
                    long due = start + k * intervalNanos;
                    long now;
                    while ((now = System.nanoTime()) < due) {
                        LockSupport.parkNanos(due - now);
                    }
                    if (now >= deadline) {
                        break;
                    }
                    InetAddress source = sources.get((int) (k % sources.size()));
                    try (Socket s = new Socket()) {
                        // Lets bind() reuse a port whose last connection to another address is in TIME_WAIT.
                        s.setReuseAddress(true);
                        s.bind(new InetSocketAddress(source, 0));
                        s.connect(target, CONNECT_TIMEOUT_MILLIS);
                        connected.increment();
                    } catch (IOException e) {
                        failed.increment();
                        firstError.compareAndSet("-", e.toString().replace(' ', '_'));
                    }
                }
            }, "storm-" + i);
            t.start();
            workers.add(t);
        }
        for (Thread t : workers) {
            t.join();
        }
        long nanos = System.nanoTime() - start;
        System.out.println("result connected=" + connected.sum() + " failed=" + failed.sum() + " nanos=" + nanos
                + " error=" + firstError.get());
    }

    /** {@code 127.0.22.1-127.0.22.254}: every IPv4 address from the first to the last, inclusive. */
    static List<InetAddress> sources(String range) throws UnknownHostException {
        String[] ends = range.split("-", 2);
        long first = toLong(InetAddress.getByName(ends[0]));
        long last = ends.length == 1 ? first : toLong(InetAddress.getByName(ends[1]));
        if (last < first || last - first >= 65_536) {
            throw new IllegalArgumentException("sources must be an IPv4 range 'a-b' with a <= b and at most 65536 addresses, got " + range);
        }
        List<InetAddress> out = new ArrayList<>();
        for (long a = first; a <= last; a++) {
            out.add(InetAddress.getByAddress(new byte[] {(byte) (a >> 24), (byte) (a >> 16), (byte) (a >> 8), (byte) a}));
        }
        return out;
    }

    private static long toLong(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length != 4) {
            throw new IllegalArgumentException("sources must be IPv4 addresses, got " + a.getHostAddress());
        }
        return ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL);
    }
}
