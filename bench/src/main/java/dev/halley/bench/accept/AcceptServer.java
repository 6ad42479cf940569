package dev.halley.bench.accept;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * One run's server, a process of its own so that each run starts from a fresh JVM and only its
 * threads are counted. Started by {@link AcceptExperiment} as
 * {@code AcceptServer <strategy> <loops> <host> <port>}; it speaks a line protocol on its
 * standard streams:
 * <ol>
 *   <li>it prints {@code ready <port>} once listening (port 0 picks a free one);</li>
 *   <li>it reads {@code begin <w>} after a warm-up client made w connections, waits until it has
 *       accepted them, and takes the baseline of its counters;</li>
 *   <li>it reads {@code finish <n>}: the measured client made n connections;</li>
 *   <li>it waits (at most {@value #FINISH_WAIT_MILLIS} ms) until it has accepted n, prints one
 *       {@code result key=value ...} line and exits.</li>
 * </ol>
 */
public final class AcceptServer {

    static final long FINISH_WAIT_MILLIS = 10_000;
    static final String THREAD_PREFIX = "acc-";

    private AcceptServer() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 4) {
            throw new IllegalArgumentException("usage: AcceptServer <strategy> <loops> <host> <port>, got " + Arrays.toString(args));
        }
        Strategy strategy = Strategy.of(args[0]);
        AcceptCounters counters = new AcceptCounters(Integer.parseInt(args[1]));
        InetSocketAddress address = new InetSocketAddress(args[2], Integer.parseInt(args[3]));
        if (strategy == Strategy.THREADS) {
            requirePlainSocketImpl();
        }
        int port = switch (strategy) {
            case HERD -> NioAcceptors.herd(address, counters);
            case THREADS, THREADS_LOCKED -> NioAcceptors.threads(address, counters);
            case REUSEPORT_NIO -> NioAcceptors.reuseport(address, counters);
            case HANDOFF_NIO -> NioAcceptors.handoff(address, counters);
            case NETTY_REUSEPORT, NETTY_SINGLE -> NettyAcceptors.start(strategy, address, counters);
        };
        System.out.println("ready " + port);
        System.out.flush();

        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        long warmed = Long.parseLong(expect(in, "begin ").substring("begin ".length()).trim());
        awaitAccepted(counters, warmed);
        AcceptCounters.Counts countsBefore = counters.counts();
        ThreadStats before = ThreadStats.sample(THREAD_PREFIX);
        long expected = Long.parseLong(expect(in, "finish ").substring("finish ".length()).trim());
        awaitAccepted(counters, warmed + expected);
        ThreadStats used = ThreadStats.sample(THREAD_PREFIX).minus(before);
        AcceptCounters.Counts counted = counters.counts().minus(countsBefore);
        System.out.println("result accepted=" + counted.accepted() + " wakeups=" + counted.wakeups()
                + " empty=" + counted.emptyWakeups() + " voluntary=" + used.voluntary() + " involuntary=" + used.involuntary()
                + " cpuNanos=" + used.cpuNanos() + " threads=" + used.threads()
                + " perLoop=" + counted.perLoop().stream().map(Object::toString).collect(Collectors.joining(",")));
        System.out.flush();
        System.exit(0);
    }

    /** Waits (at most {@value #FINISH_WAIT_MILLIS} ms) until {@code n} connections were accepted since the start. */
    private static void awaitAccepted(AcceptCounters counters, long n) throws InterruptedException {
        long deadline = System.nanoTime() + FINISH_WAIT_MILLIS * 1_000_000;
        while (counters.accepted() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    private static String expect(BufferedReader in, String prefix) throws IOException {
        String line = in.readLine();
        if (line == null || !line.startsWith(prefix)) {
            throw new IllegalStateException("expected '" + prefix.trim() + "', got " + line);
        }
        return line;
    }

    /**
     * JDK 13 to 17 keep the legacy socket implementation behind a property (JDK 18 removed it); only
     * it lets several threads wait on one listening socket without a Java lock.
     */
    private static void requirePlainSocketImpl() {
        if (Runtime.version().feature() > 17 || !Boolean.getBoolean("jdk.net.usePlainSocketImpl")) {
            throw new IllegalStateException("strategy threads needs JDK 13-17 with -Djdk.net.usePlainSocketImpl=true; this is JDK "
                    + Runtime.version().feature());
        }
    }
}
