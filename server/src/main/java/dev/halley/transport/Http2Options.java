package dev.halley.transport;

import java.time.Duration;
import java.util.Objects;

/**
 * HTTP/2 on the node's listeners (h2 by ALPN over TLS, h2c by prior knowledge in clear text) and
 * the limits that keep one connection from costing more than it should.
 *
 * @param enabled whether listeners speak HTTP/2 at all; off: HTTP/1.1 only, as before
 * @param maxConcurrentStreams streams one connection may hold open (SETTINGS_MAX_CONCURRENT_STREAMS);
 *     more are refused with RST_STREAM(REFUSED_STREAM)
 * @param maxResetsPerWindow RST_STREAMs a client may send within {@code abuseWindow} before the
 *     connection is closed (the rapid-reset attack)
 * @param maxControlFramesPerWindow PINGs and SETTINGS a client may send within {@code abuseWindow}
 *     before the connection is closed (a control-frame flood)
 * @param abuseWindow the window the two counts above are taken over
 */
public record Http2Options(boolean enabled, int maxConcurrentStreams, int maxResetsPerWindow, int maxControlFramesPerWindow,
                           Duration abuseWindow) {

    public static final Http2Options DEFAULTS = new Http2Options(true, 128, 200, 200, Duration.ofSeconds(10));
    public static final Http2Options OFF = new Http2Options(false, 128, 200, 200, Duration.ofSeconds(10));

    public Http2Options {
        Limits.requireBetween("--h2-max-streams", maxConcurrentStreams, 1, 10_000);
        Limits.requireBetween("HTTP/2 max resets per window", maxResetsPerWindow, 1, 1_000_000);
        Limits.requireBetween("HTTP/2 max control frames per window", maxControlFramesPerWindow, 1, 1_000_000);
        Objects.requireNonNull(abuseWindow, "abuseWindow");
        if (abuseWindow.toSeconds() < 1 || abuseWindow.toSeconds() > 3600) {
            throw new IllegalArgumentException("the HTTP/2 abuse window must be between 1s and 1h, got " + Durations.format(abuseWindow));
        }
    }

    public Http2Options withMaxConcurrentStreams(int n) {
        return new Http2Options(enabled, n, maxResetsPerWindow, maxControlFramesPerWindow, abuseWindow);
    }

    public Http2Options withEnabled(boolean on) {
        return new Http2Options(on, maxConcurrentStreams, maxResetsPerWindow, maxControlFramesPerWindow, abuseWindow);
    }
}
