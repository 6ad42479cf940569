package dev.halley.bench.accept;

import java.util.List;

/**
 * What {@link AcceptExperiment} runs: every strategy with every loop count, each run bounded by a
 * connection count and a time.
 *
 * @param strategies the strategies, in table order
 * @param loops the loop (or thread) counts, 1-64 each
 * @param rates offered connections per second, 0 for as fast as the client can, 0-100,000 each
 * @param warmupConnections connections made before each run's measurement starts, so that the JIT has
 *        compiled the accept path, 0-100,000
 * @param connections connections attempted per run at most, 1-1,000,000
 * @param seconds seconds per run at most, 1-120
 * @param clientThreads the client's connecting threads, 1-64
 * @param host the address the servers listen on
 * @param port the port the servers listen on, 0 for a free one, 0-65535
 * @param sources the client's source addresses, an IPv4 range {@code a-b}
 */
public record ExperimentOptions(List<Strategy> strategies, List<Integer> loops, List<Integer> rates, int warmupConnections, int connections, int seconds,
        int clientThreads, String host, int port, String sources) {

    public ExperimentOptions {
        strategies = List.copyOf(strategies);
        loops = List.copyOf(loops);
        rates = List.copyOf(rates);
        if (strategies.isEmpty()) {
            throw new IllegalArgumentException("--strategies must name at least one of " + Strategy.words());
        }
        if (loops.isEmpty()) {
            throw new IllegalArgumentException("--loops must list at least one loop count");
        }
        for (int n : loops) {
            requireBetween("each --loops count", n, 1, 64);
        }
        if (rates.isEmpty()) {
            throw new IllegalArgumentException("--rates must list at least one rate (0 for as fast as possible)");
        }
        for (int r : rates) {
            requireBetween("each --rates rate", r, 0, 100_000);
        }
        requireBetween("--warmup", warmupConnections, 0, 100_000);
        requireBetween("--connections", connections, 1, 1_000_000);
        requireBetween("--seconds", seconds, 1, 120);
        requireBetween("--client-threads", clientThreads, 1, 64);
        requireBetween("--port", port, 0, 65_535);
    }

    private static void requireBetween(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + value);
        }
    }
}
