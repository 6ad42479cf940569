package dev.halley.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One bench run, validated once. Every loop of the run is bounded by these counts and by
 * {@code maxTime}.
 *
 * @param scenario what to measure
 * @param transport how subscribers receive
 * @param http2 SSE subscribers are HTTP/2 streams (h2c by prior knowledge, or h2 by ALPN for an https {@code subUrl})
 * @param streamsPerConnection with {@code http2}, how many subscriber streams share one connection, 1-1,000
 * @param insecure with an https {@code subUrl}, trust any server certificate and host name
 * @param connections subscriber connections over all processes, 1-1,000,000
 * @param connectRate new connections per second over all processes, 1-1,000,000
 * @param maxPending connects in flight per process at most (see {@link ConnectWindow}), 0 for no window
 * @param hold how long the idle scenario holds its connections once they are open
 * @param publishRate offered publishes per second (direct, fanout, churn), 1-1,000,000
 * @param duration how long publishing lasts (per ramp step when {@code ramp} is given)
 * @param channels fanout channels; connection {@code i} subscribes to channel {@code i % channels}
 * @param ramp offered publish rates, one step of {@code duration} each; empty for a single rate
 * @param subUrl subscribe URL template ({@code {id}}, {@code {channel}})
 * @param pubUrl publish URL template ({@code {id}}, {@code {channel}}, {@code {payload}})
 * @param pubMethod HTTP method of a publish
 * @param pubBody publish body template; must contain {@code {payload}} unless the URL does
 * @param pubMegacomet {@code host:port} of a MegaComet manager port to publish to instead of HTTP, or empty
 * @param pusherApp the Pusher app whose signed HTTP API ({@code POST /apps/{id}/events}) publishes, or null
 * @param megacometWorkers the number of MegaComet worker ports after the subscribe URL's port
 * @param sources local source addresses, spread round-robin over connections; empty for the kernel's choice
 * @param procs processes the connections are spread over (this one, or child JVMs when more than 1)
 * @param loops client event loops per process
 * @param pubConcurrency publish connections (one request in flight on each)
 * @param connectTimeout a connection not subscribed by then has failed with cause {@code timeout}
 * @param grace how long to wait after publishing for the last deliveries
 * @param maxTime the hard cap on the whole run
 * @param serverPids server processes whose RSS and CPU time are read from /proc
 * @param statusUrl a Halley {@code /status} URL to read heap figures from, or empty
 * @param allowRemote whether non-loopback hosts may be targeted
 * @param idPrefix prefix of client ids and channel names, so runs do not see each other's messages
 * @param jsonFile where to write the JSON report, or null
 * @param htmlFile where to write the HTML report, or null
 */
public record BenchOptions(Scenario scenario, BenchTransport transport, boolean http2, int streamsPerConnection,
        boolean insecure, int connections, int connectRate, int maxPending, Duration hold,
        int publishRate, Duration duration, int channels, List<Integer> ramp, String subUrl, String pubUrl,
        String pubMethod, String pubBody, String pubMegacomet, PusherSigner pusherApp, int megacometWorkers, List<String> sources, int procs,
        int loops, int pubConcurrency, Duration connectTimeout, Duration grace, Duration maxTime,
        List<Integer> serverPids, String statusUrl, boolean allowRemote, String idPrefix, Path jsonFile,
        Path htmlFile) {

    /** The most messages one run may publish; the delivery ledgers are sized by it. */
    public static final int MAX_MESSAGES = 2_000_000;

    public BenchOptions {
        ramp = List.copyOf(ramp);
        sources = List.copyOf(sources);
        serverPids = List.copyOf(serverPids);
        requireBetween("--connections", connections, 1, 1_000_000);
        requireBetween("--rate", connectRate, 1, 1_000_000);
        requireBetween("--max-pending", maxPending, 0, 1_000_000);
        requireBetween("--publish-rate", publishRate, 1, 1_000_000);
        requireBetween("--channels", channels, 1, 100_000);
        requireBetween("--streams-per-connection", streamsPerConnection, 1, 1_000);
        requireBetween("--megacomet-workers", megacometWorkers, 1, 1024);
        requireBetween("--procs", procs, 1, 64);
        requireBetween("--loops", loops, 1, 64);
        requireBetween("--pub-concurrency", pubConcurrency, 1, 1024);
        requireDuration("--hold", hold, Duration.ZERO, Duration.ofHours(24));
        requireDuration("--duration", duration, Duration.ofMillis(100), Duration.ofHours(24));
        requireDuration("--connect-timeout", connectTimeout, Duration.ofMillis(100), Duration.ofMinutes(10));
        requireDuration("--grace", grace, Duration.ZERO, Duration.ofMinutes(10));
        requireDuration("--max-time", maxTime, Duration.ofSeconds(1), Duration.ofHours(24));
        for (int r : ramp) {
            requireBetween("each --ramp rate", r, 1, 1_000_000);
        }
        if (channels > connections && scenario == Scenario.FANOUT) {
            throw new IllegalArgumentException("--channels must be at most --connections (" + connections + "), got " + channels);
        }
        if (procs > connections) {
            throw new IllegalArgumentException("--procs must be at most --connections (" + connections + "), got " + procs);
        }
        long offered = offered(publishRate, ramp, duration);
        if (scenario.publishes() && offered > MAX_MESSAGES) {
            throw new IllegalArgumentException("publish rate x duration must be at most " + MAX_MESSAGES + " messages, got " + offered);
        }
        if (scenario == Scenario.FANOUT && !subUrl.contains("{channel}")) {
            throw new IllegalArgumentException("--sub-url must contain {channel} for the fanout scenario, got " + subUrl);
        }
        if (scenario != Scenario.FANOUT && !subUrl.contains("{id}")) {
            throw new IllegalArgumentException("--sub-url must contain {id} for the " + scenario.word() + " scenario, got " + subUrl);
        }
        if (scenario == Scenario.CHURN && !transport.polls()) {
            throw new IllegalArgumentException("--scenario churn needs --transport longpoll or megacomet, got " + transport.word());
        }
        if (scenario == Scenario.FANOUT && transport == BenchTransport.MEGACOMET) {
            throw new IllegalArgumentException("--transport megacomet has client mailboxes only; use it with idle, direct or churn");
        }
        if (transport == BenchTransport.PUSHER && scenario.publishes() && pusherApp == null) {
            throw new IllegalArgumentException("--transport pusher with the " + scenario.word() + " scenario needs --pusher-app "
                    + "id:key:secret: its events go through the signed Pusher HTTP API");
        }
        if (pusherApp != null && transport != BenchTransport.PUSHER) {
            throw new IllegalArgumentException("--pusher-app publishes to Pusher channels, which only --transport pusher subscribes to, got "
                    + transport.word());
        }
        if (pusherApp != null && (pubUrl.contains("?") || !pubMethod.equals("POST") || !pubMegacomet.isEmpty())) {
            throw new IllegalArgumentException("--pusher-app POSTs to the --pub-url path and signs its own query: the URL must have "
                    + "no query, the method must be POST and --pub-megacomet unset");
        }
        if (!pubMegacomet.isEmpty() && scenario == Scenario.FANOUT) {
            throw new IllegalArgumentException("--pub-megacomet publishes to clients only; it cannot drive the fanout scenario");
        }
        if (!pubUrl.contains("{payload}") && !pubBody.contains("{payload}") && pubMegacomet.isEmpty()) {
            throw new IllegalArgumentException("--pub-url or --pub-body must contain {payload}, got " + pubUrl + " and " + pubBody);
        }
        if (http2 && transport != BenchTransport.SSE) {
            throw new IllegalArgumentException("--http2 needs --transport sse, got " + transport.word());
        }
        if (subUrl.startsWith("https:") && !http2) {
            throw new IllegalArgumentException("an https --sub-url needs --http2 (the HTTP/1.1 subscribers speak no TLS), got " + subUrl);
        }
        if (insecure && !subUrl.startsWith("https:")) {
            throw new IllegalArgumentException("--insecure applies to an https --sub-url only, got " + subUrl);
        }
        if (!pubMethod.matches("[A-Z]{1,16}")) {
            throw new IllegalArgumentException("--pub-method must be an upper-case HTTP method, got " + pubMethod);
        }
        if (!idPrefix.matches("[A-Za-z0-9._~-]{1,32}")) {
            throw new IllegalArgumentException("--id-prefix must be 1-32 characters of A-Za-z0-9._~-, got " + idPrefix);
        }
    }

    /** Messages the run offers: the rate times the duration, summed over ramp steps. */
    public long offeredMessages() {
        return offered(publishRate, ramp, duration);
    }

    // Static because the compact constructor validates before the fields are assigned.
    private static long offered(int publishRate, List<Integer> ramp, Duration duration) {
        long millis = duration.toMillis();
        if (ramp.isEmpty()) {
            return publishRate * millis / 1000;
        }
        long sum = 0;
        for (int r : ramp) {
            sum += r * millis / 1000;
        }
        return sum;
    }

    /** The offered publish rates, one per step. */
    List<Integer> steps() {
        return ramp.isEmpty() ? List.of(publishRate) : ramp;
    }

    /** What the subscribers speak, as reports name it: {@code http/1.1}, {@code h2c} or {@code h2}. */
    String protocol() {
        return !http2 ? "http/1.1" : subUrl.startsWith("https:") ? "h2" : "h2c";
    }

    /** The client id of connection {@code index}. */
    String clientId(int index) {
        return idPrefix + "-c" + index;
    }

    /** The channel name of channel {@code k}. */
    String channelName(int k) {
        return idPrefix + "-ch" + k;
    }

    /** The first connection index of process {@code worker} of {@code procs}. */
    int firstConnection(int worker) {
        return (int) ((long) connections * worker / procs);
    }

    static void requireBetween(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + value);
        }
    }

    static void requireDuration(String name, Duration value, Duration min, Duration max) {
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(name + " must be between " + min.toMillis() + "ms and " + max.toMillis() + "ms, got " + value.toMillis() + "ms");
        }
    }
}
