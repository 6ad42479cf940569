package dev.halley.transport;

import dev.halley.transport.mercure.MercureOptions;
import java.time.Duration;
import java.util.Objects;

/**
 * What the transports are started with: the limits they enforce and their timings. The edge
 * derives it from the node's whole configuration.
 *
 * @param pollTimeout how long a long-poll is held when the request names no {@code timeout}
 * @param pollTimeoutMax the longest {@code timeout} a request may ask for
 * @param heartbeat interval of SSE comments and WebSocket pings on idle streams
 * @param loops the node's event loops, as {@code /status} reports them
 * @param http2 HTTP/2 streams' limits
 * @param mercure the Mercure hub's keys; off unless keyed
 * @param acceptMode how the node accepts ({@code reuseport} or {@code single}), as {@code /status} reports it
 */
public record TransportOptions(Limits limits, Duration pollTimeout, Duration pollTimeoutMax, Duration heartbeat,
                               int loops, String acceptMode, Http2Options http2, MercureOptions mercure) {

    public TransportOptions {
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(acceptMode, "acceptMode");
        Objects.requireNonNull(http2, "http2");
        Objects.requireNonNull(mercure, "mercure");
        Durations.requireBetween("poll timeout max", pollTimeoutMax, Duration.ofSeconds(1), Duration.ofHours(1));
        Durations.requireBetween("poll timeout", pollTimeout, Duration.ofMillis(1), pollTimeoutMax);
        Durations.requireBetween("heartbeat", heartbeat, Duration.ofMillis(100), Duration.ofHours(1));
        Limits.requireBetween("loops", loops, 1, 1024);
    }
}
