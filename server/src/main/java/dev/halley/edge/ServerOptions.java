package dev.halley.edge;

import dev.halley.auth.Security;
import dev.halley.broker.BrokerOptions;
import dev.halley.transport.Durations;
import dev.halley.transport.Http2Options;
import dev.halley.transport.Limits;
import dev.halley.transport.MegaCometOptions;
import dev.halley.transport.TransportOptions;
import dev.halley.transport.mercure.MercureOptions;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Everything a node is started with; defaults in {@link #DEFAULTS}, validated once here.
 *
 * @param bind address to listen on
 * @param port HTTP port; 0 picks a free one (tests)
 * @param loops event loops, each owning a share of topics and connections
 * @param leanAccept with epoll and {@link AcceptMode#REUSEPORT}, plain HTTP/1.1 (no TLS, no HTTP/2), no subscriber tokens: each
 *     loop accepts on its own socket without making a Netty channel, serves a plain SSE subscribe as
 *     a held stream at once and hands every other connection to Netty with what it read. On by
 *     default because every test passes with it on; off serves every connection through Netty
 * @param acceptMode how connections are accepted
 * @param pollTimeout how long a long-poll is held when the request names no {@code timeout}
 * @param pollTimeoutMax the longest {@code timeout} a request may ask for
 * @param heartbeat interval of SSE comments and WebSocket pings on idle streams
 * @param http2 HTTP/2 on the listeners (h2 over TLS, h2c in clear text) and its abuse limits
 * @param mercure the Mercure hub at {@code /.well-known/mercure}; off unless keyed
 * @param headerTimeout a connection that has not sent a whole request head this long after connecting
 *     (or after its last answer) is closed: slowloris costs a socket for this long at most
 */
public record ServerOptions(String bind, int port, int loops, AcceptMode acceptMode, boolean leanAccept, Limits limits,
                            Duration pollTimeout, Duration pollTimeoutMax, Duration heartbeat, Duration headerTimeout,
                            MegaCometOptions megacomet, BrokerOptions broker, Security security,
                            Http2Options http2, MercureOptions mercure) {

    public static final ServerOptions DEFAULTS = new ServerOptions("0.0.0.0", 8080,
            Runtime.getRuntime().availableProcessors(), AcceptMode.REUSEPORT, true, Limits.DEFAULTS,
            Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofSeconds(15), Duration.ofSeconds(10),
            MegaCometOptions.DISABLED, BrokerOptions.DEFAULTS, Security.OPEN,
            Http2Options.DEFAULTS, MercureOptions.OFF);

    public ServerOptions {
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(acceptMode, "acceptMode");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(megacomet, "megacomet");
        Objects.requireNonNull(broker, "broker");
        Objects.requireNonNull(security, "security");
        Objects.requireNonNull(http2, "http2");
        Objects.requireNonNull(mercure, "mercure");
        Limits.requireBetween("port", port, 0, 65535);
        // The transports' own options check the loops and the timings they use.
        new TransportOptions(limits, pollTimeout, pollTimeoutMax, heartbeat, loops, acceptMode.name(), http2, mercure);
        Durations.requireBetween("header timeout", headerTimeout, Duration.ofMillis(100), Duration.ofHours(1));
    }

    /** What the transports need of these options (and where their timings are validated). */
    public TransportOptions transport() {
        return new TransportOptions(limits, pollTimeout, pollTimeoutMax, heartbeat, loops, acceptMode.name().toLowerCase(Locale.ROOT),
                http2, mercure);
    }

    public ServerOptions withBind(String newBind) {
        return new ServerOptions(newBind, port, loops, acceptMode, leanAccept, limits, pollTimeout, pollTimeoutMax, heartbeat, headerTimeout, megacomet, broker, security, http2, mercure);
    }

    public ServerOptions withPort(int newPort) {
        return new ServerOptions(bind, newPort, loops, acceptMode, leanAccept, limits, pollTimeout, pollTimeoutMax, heartbeat, headerTimeout, megacomet, broker, security, http2, mercure);
    }

    public ServerOptions withLoops(int newLoops) {
        return new ServerOptions(bind, port, newLoops, acceptMode, leanAccept, limits, pollTimeout, pollTimeoutMax, heartbeat, headerTimeout, megacomet, broker, security, http2, mercure);
    }

    public ServerOptions withAcceptMode(AcceptMode newMode) {
        return new ServerOptions(bind, port, loops, newMode, leanAccept, limits, pollTimeout, pollTimeoutMax, heartbeat, headerTimeout, megacomet, broker, security, http2, mercure);
    }

    public ServerOptions withLeanAccept(boolean newLeanAccept) {
        return new ServerOptions(bind, port, loops, acceptMode, newLeanAccept, limits, pollTimeout, pollTimeoutMax, heartbeat, headerTimeout, megacomet, broker, security, http2, mercure);
    }

    public ServerOptions withLimits(Limits newLimits) {
        return new ServerOptions(bind, port, loops, acceptMode, leanAccept, newLimits, pollTimeout, pollTimeoutMax, heartbeat, headerTimeout, megacomet, broker, security, http2, mercure);
    }

    public ServerOptions withTimeouts(Duration newPollTimeout, Duration newPollTimeoutMax, Duration newHeartbeat) {
        return new ServerOptions(bind, port, loops, acceptMode, leanAccept, limits, newPollTimeout, newPollTimeoutMax, newHeartbeat, headerTimeout, megacomet, broker, security, http2, mercure);
    }

    public ServerOptions withHeaderTimeout(Duration newHeaderTimeout) {
        return new ServerOptions(bind, port, loops, acceptMode, leanAccept, limits, pollTimeout, pollTimeoutMax, heartbeat, newHeaderTimeout, megacomet, broker, security, http2, mercure);
    }

    public ServerOptions withMegacomet(MegaCometOptions newMegacomet) {
        return new ServerOptions(bind, port, loops, acceptMode, leanAccept, limits, pollTimeout, pollTimeoutMax, heartbeat, headerTimeout, newMegacomet, broker, security, http2, mercure);
    }

    public ServerOptions withBroker(BrokerOptions newBroker) {
        return new ServerOptions(bind, port, loops, acceptMode, leanAccept, limits, pollTimeout, pollTimeoutMax, heartbeat, headerTimeout, megacomet, newBroker, security, http2, mercure);
    }

    public ServerOptions withSecurity(Security newSecurity) {
        return new ServerOptions(bind, port, loops, acceptMode, leanAccept, limits, pollTimeout, pollTimeoutMax, heartbeat, headerTimeout, megacomet, broker, newSecurity, http2, mercure);
    }

    public ServerOptions withHttp2(Http2Options newHttp2) {
        return new ServerOptions(bind, port, loops, acceptMode, leanAccept, limits, pollTimeout, pollTimeoutMax, heartbeat, headerTimeout, megacomet, broker, security, newHttp2, mercure);
    }

    public ServerOptions withMercure(MercureOptions newMercure) {
        return new ServerOptions(bind, port, loops, acceptMode, leanAccept, limits, pollTimeout, pollTimeoutMax, heartbeat, headerTimeout, megacomet, broker, security, http2, newMercure);
    }
}
