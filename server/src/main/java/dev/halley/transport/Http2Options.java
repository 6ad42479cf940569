package dev.halley.transport;

import java.time.Duration;
import java.util.Objects;

/**
 * HTTP/2 on the node's listeners (h2 by ALPN over TLS; h2c by prior knowledge in clear text only
 * when asked for) and the limits that keep one connection from costing more than it should.
 *
 * <p>h2c is opt-in: browsers speak HTTP/2 only over TLS, and a clear-text listener that must tell
 * an h2c preface from an HTTP/1.1 request cannot take the lean accept path (a descriptor adopted
 * from it has no listening parent channel, which Netty's HTTP/2 multiplexer needs), so offering
 * h2c by default cost every plain connect about 40% more CPU for clients that rarely use it.
 *
 * @param enabled whether listeners speak HTTP/2 at all; off: HTTP/1.1 only, as before
 * @param cleartext whether clear-text listeners also speak h2c by prior knowledge (with
 *     {@code enabled})
 * @param maxConcurrentStreams streams one connection may hold open (SETTINGS_MAX_CONCURRENT_STREAMS);
 *     more are refused with RST_STREAM(REFUSED_STREAM)
 * @param maxResetsPerWindow RST_STREAMs a client may send within {@code abuseWindow} before the
 *     connection is closed (the rapid-reset attack)
 * @param maxControlFramesPerWindow PINGs and SETTINGS a client may send within {@code abuseWindow}
 *     before the connection is closed (a control-frame flood)
 * @param abuseWindow the window the two counts above are taken over
 * @param maxPendingBytesPerConnection unsent stream bytes one connection may hold over all its
 *     streams; past it the connection is a slow consumer and is closed (GOAWAY). Each stream is
 *     also held to {@code --max-outbound-bytes}, but that alone lets one connection queue
 *     streams &times; that
 */
public record Http2Options(boolean enabled, boolean cleartext, int maxConcurrentStreams, int maxResetsPerWindow, int maxControlFramesPerWindow,
                           Duration abuseWindow, int maxPendingBytesPerConnection) {

    /** 8 MiB: eight HTTP/1.1 connections' worth ({@code --max-outbound-bytes}) for up to 128 streams. */
    private static final int DEFAULT_MAX_PENDING_BYTES_PER_CONNECTION = 8 * 1024 * 1024;

    public static final Http2Options DEFAULTS = new Http2Options(true, false, 128, 200, 200, Duration.ofSeconds(10),
            DEFAULT_MAX_PENDING_BYTES_PER_CONNECTION);
    public static final Http2Options OFF = DEFAULTS.withEnabled(false);

    public Http2Options {
        Limits.requireBetween("--h2-max-streams", maxConcurrentStreams, 1, 10_000);
        Limits.requireBetween("HTTP/2 max resets per window", maxResetsPerWindow, 1, 1_000_000);
        Limits.requireBetween("HTTP/2 max control frames per window", maxControlFramesPerWindow, 1, 1_000_000);
        Limits.requireBetween("--h2-max-pending-bytes", maxPendingBytesPerConnection, 1024, 1024 * 1024 * 1024);
        Objects.requireNonNull(abuseWindow, "abuseWindow");
        if (abuseWindow.toSeconds() < 1 || abuseWindow.toSeconds() > 3600) {
            throw new IllegalArgumentException("the HTTP/2 abuse window must be between 1s and 1h, got " + Durations.format(abuseWindow));
        }
    }

    public Http2Options withMaxConcurrentStreams(int n) {
        return new Http2Options(enabled, cleartext, n, maxResetsPerWindow, maxControlFramesPerWindow, abuseWindow, maxPendingBytesPerConnection);
    }

    public Http2Options withEnabled(boolean on) {
        return new Http2Options(on, cleartext, maxConcurrentStreams, maxResetsPerWindow, maxControlFramesPerWindow, abuseWindow,
                maxPendingBytesPerConnection);
    }

    public Http2Options withCleartext(boolean on) {
        return new Http2Options(enabled, on, maxConcurrentStreams, maxResetsPerWindow, maxControlFramesPerWindow, abuseWindow,
                maxPendingBytesPerConnection);
    }

    /** Whether a listener with TLS ({@code tls}) or without speaks HTTP/2. */
    public boolean spokenOn(boolean tls) {
        return enabled && (tls || cleartext);
    }

    public Http2Options withMaxPendingBytesPerConnection(int bytes) {
        return new Http2Options(enabled, cleartext, maxConcurrentStreams, maxResetsPerWindow, maxControlFramesPerWindow, abuseWindow, bytes);
    }
}
