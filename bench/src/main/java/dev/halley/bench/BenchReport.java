package dev.halley.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Every figure of a run; the JSON report is this record as it stands (schema {@value #SCHEMA},
 * described in the README). Fields that were not measured are null. {@code protocol} is what the
 * subscribers spoke ({@code http/1.1}, {@code h2c}, {@code h2}); {@code streamsPerConnection} is
 * null unless it is HTTP/2.
 */
public record BenchReport(String schema, String scenario, String transport, String protocol,
        Integer streamsPerConnection, int concurrency, int procs, String subUrl,
        String pubUrl, String startedAt, double timeTakenSeconds, Connections connections, Publish publish,
        Delivery delivery, Requests requests, Server server, Client client, List<Step> steps, List<Sample> timeline) {

    public static final String SCHEMA = "halley-bench/1";

    /** The percentiles of every latency table, as ab prints them. */
    static final double[] PERCENTILES = {50, 66, 75, 80, 90, 95, 98, 99, 99.9, 99.99, 100};

    /**
     * Connection figures; {@code standing} is counted just before the run closed them.
     * {@code connectSeconds} runs from the first connect to the last first-time subscription (over
     * every process: {@code System.nanoTime()} is the machine's monotonic clock), and
     * {@code subscribedPerSecond} is {@code everSubscribed} over it; both null when none subscribed.
     * Over HTTP/2 every other figure counts streams (a subscriber is one stream) and {@code sockets}
     * counts the TCP connections that carried them (those that connected); it is null over HTTP/1.1,
     * where each subscriber is its own socket. {@code heldOutsideNetty} counts the subscribers whose
     * sockets had left Netty for the bench's own lean hold when the run stopped them; null where
     * the bench does not hold them (long-poll, HTTP/2, no epoll).
     */
    public record Connections(int target, long attempted, long standing, long everSubscribed, Map<String, Long> failed,
            long failedTotal, LatencySummary connectTimeMicros, Double connectSeconds, Double subscribedPerSecond,
            Long sockets, Long heldOutsideNetty) {
    }

    /** Publish figures; {@code accepted} means a 2xx answer (MegaComet: written to the socket). */
    public record Publish(long offered, long sent, long accepted, long notSent, Map<String, Long> failed,
            Double acceptedPerSecond) {
    }

    /**
     * Delivery figures over accepted messages: {@code delivered + lost == expected}.
     * {@code expected} is one per accepted message for mailboxes, less those addressed to a client
     * whose connection never subscribed and not delivered ({@code addressedToNeverSubscribed}: they
     * wait in a mailbox nobody reads, which is not the server's loss); for fanout it is the
     * subscribers of the message's channel that were subscribed when publishing began, and
     * {@code addressedToNeverSubscribed} is null.
     */
    public record Delivery(long expected, long delivered, long lost, Long addressedToNeverSubscribed, long duplicated,
            long outOfOrder, long unexpected,
            Double deliveriesPerSecond, LatencySummary latencyMicros, LatencySummary lastSubscriberLatencyMicros) {
    }

    /** Long-poll answers received (every poll transport; the churn scenario's requests). */
    public record Requests(long completed, Double perSecond) {
    }

    /** The server's own figures; null where not measured. */
    public record Server(List<Integer> pids, Long rssBeforeBytes, Long rssLoadedBytes, Long rssAfterBytes,
            Double cpuSeconds, Long bytesPerConnection, Long heapUsedBeforeBytes, Long heapUsedLoadedBytes,
            Long heapBytesPerConnection) {
    }

    /**
     * The bench's own cost: resident memory of the processes holding connections, summed, taken
     * just before they closed them; null when unreadable.
     */
    public record Client(Long rssBytes, Long bytesPerConnection) {
    }

    /** One offered publish rate and what was sustained during it. */
    public record Step(int offeredPerSecond, double seconds, long offered, long accepted, Double sustainedPerSecond,
            long deliveries, Double deliveriesPerSecond) {
    }

    /** One sample of the timeline, about a second apart. */
    public record Sample(double second, long standing, long attempted, long failed, double connectsPerSecond,
            double deliveriesPerSecond, double publishesPerSecond) {
    }

    /** A latency distribution in microseconds; everything but {@code count} is null when it is 0. */
    public record LatencySummary(long count, Long min, Double mean, Double stdDev, Long median, Long max,
            Map<String, Long> percentiles) {

        static LatencySummary of(Histogram h) {
            long n = h.getTotalCount();
            Map<String, Long> p = new LinkedHashMap<>();
            if (n == 0) {
                return new LatencySummary(0, null, null, null, null, null, p);
            }
            for (double q : PERCENTILES) {
                p.put(label(q), q == 100 ? h.getMaxValue() : h.getValueAtPercentile(q));
            }
            return new LatencySummary(n, h.getMinValue(), h.getMean(), h.getStdDeviation(), h.getValueAtPercentile(50),
                    h.getMaxValue(), p);
        }

        /** {@code 50}, {@code 99.9}: the percentile as written in tables and JSON keys. */
        static String label(double q) {
            return q == Math.rint(q) ? Long.toString((long) q) : Double.toString(q);
        }
    }
}
