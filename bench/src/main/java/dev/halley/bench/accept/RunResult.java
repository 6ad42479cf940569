package dev.halley.bench.accept;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One row of the table: what the client and the server of one run reported.
 *
 * @param offeredRate connections per second the client offered, 0 for as fast as it could
 * @param connected connections the client established
 * @param failed connections the client could not establish
 * @param clientNanos how long the client took
 * @param clientError the client's first failure, {@code -} when none
 * @param accepted connections the server accepted
 * @param wakeups returns from waiting on a listening socket (see {@link AcceptCounters})
 * @param emptyWakeups wake-ups that accepted nothing
 * @param server context switches and CPU of the server's accepting and loop threads
 * @param perLoop connections accepted by, or handed to, each loop
 */
public record RunResult(Strategy strategy, int loops, int offeredRate, long connected, long failed, long clientNanos, String clientError, long accepted,
        long wakeups, long emptyWakeups, ThreadStats server, List<Long> perLoop) {

    public RunResult {
        perLoop = List.copyOf(perLoop);
    }

    /** Builds a result from the client's and the server's {@code result key=value ...} lines. */
    static RunResult parse(Strategy strategy, int loops, int offeredRate, String clientLine, String serverLine) {
        Map<String, String> c = fields(clientLine);
        Map<String, String> s = fields(serverLine);
        List<Long> perLoop = s.get("perLoop").isEmpty() ? List.of()
                : Arrays.stream(s.get("perLoop").split(",")).map(Long::parseLong).toList();
        return new RunResult(strategy, loops, offeredRate, num(c, "connected"), num(c, "failed"), num(c, "nanos"), c.get("error"), num(s, "accepted"),
                num(s, "wakeups"), num(s, "empty"),
                new ThreadStats(num(s, "voluntary"), num(s, "involuntary"), num(s, "cpuNanos"), (int) num(s, "threads")),
                perLoop);
    }

    public double connectsPerSecond() {
        return clientNanos == 0 ? 0 : connected * 1e9 / clientNanos;
    }

    public double contextSwitchesPerAccept() {
        return per(server.voluntary() + server.involuntary());
    }

    public double wakeupsPerAccept() {
        return per(wakeups);
    }

    public double emptyWakeupsPerAccept() {
        return per(emptyWakeups);
    }

    public double cpuMillisPerThousandAccepts() {
        return accepted == 0 ? 0 : server.cpuNanos() / 1e6 / (accepted / 1000.0);
    }

    /** The busiest loop's share of the connections: 1/loops is an even spread. */
    public double busiestLoopShare() {
        return accepted == 0 ? 0 : perLoop.stream().mapToLong(Long::longValue).max().orElse(0) / (double) accepted;
    }

    private double per(long count) {
        return accepted == 0 ? 0 : count / (double) accepted;
    }

    private static Map<String, String> fields(String line) {
        if (line == null || !line.startsWith("result ")) {
            throw new IllegalStateException("expected a 'result key=value ...' line, got " + line);
        }
        Map<String, String> out = new HashMap<>();
        for (String pair : line.substring("result ".length()).split(" ")) {
            int eq = pair.indexOf('=');
            out.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return out;
    }

    private static long num(Map<String, String> fields, String key) {
        String v = fields.get(key);
        if (v == null) {
            throw new IllegalStateException("result line has no " + key + ": " + fields);
        }
        return Long.parseLong(v);
    }
}
