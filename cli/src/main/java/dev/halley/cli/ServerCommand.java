package dev.halley.cli;

import dev.halley.auth.Security;
import dev.halley.broker.Broker;
import dev.halley.broker.BrokerOptions;
import dev.halley.broker.LocalBroker;
import dev.halley.broker.RedisBroker;
import dev.halley.broker.RedisLink;
import dev.halley.broker.Retention;
import dev.halley.cluster.ClusterMembership;
import dev.halley.edge.AcceptMode;
import dev.halley.edge.HalleyServer;
import dev.halley.edge.ServerOptions;
import dev.halley.loops.Shards;
import dev.halley.pusher.PusherApps;
import dev.halley.pusher.PusherGateway;
import dev.halley.transport.Durations;
import dev.halley.transport.Http2Options;
import dev.halley.transport.Limits;
import dev.halley.transport.MegaCometOptions;
import dev.halley.transport.mercure.MercureOptions;
import io.lettuce.core.resource.ClientResources;
import io.netty.channel.ChannelException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code halley server}: runs one node until it is stopped (SIGTERM or Ctrl-C). */
@Command(name = "server", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
        description = "Run a Halley node (embedded broker unless told otherwise).")
final class ServerCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "Properties file of option defaults (key = long option name without dashes).")
    String config;

    @Option(names = "--log-format", defaultValue = "plain", description = "plain or json: one JSON object per log line (default: ${DEFAULT-VALUE}).")
    String logFormat;

    @Option(names = "--bind", defaultValue = "0.0.0.0", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--port", defaultValue = "8080", description = "HTTP port for every transport and the API (default: ${DEFAULT-VALUE}; 0 picks one).")
    int port;

    @Option(names = "--loops", defaultValue = "0", description = "Event loops; 0 means one per core (default).")
    int loops;

    @Option(names = "--accept", defaultValue = "reuseport", description = "reuseport (a listening socket per loop) or single (one acceptor). Default: ${DEFAULT-VALUE}.")
    String accept;

    @Option(names = "--lean-accept", defaultValue = "on", description = "on: each loop accepts on its own socket, reads the request head itself and holds a plain SSE subscribe without making a Netty channel, handing anything else to Netty; off: Netty accepts every connection. Used with --accept reuseport on epoll, without TLS, subscriber tokens or --h2c. Default: ${DEFAULT-VALUE}.")
    String leanAccept;

    @Option(names = "--mailbox-ttl", defaultValue = "60s", description = "How long a message waits in a client's mailbox (default: ${DEFAULT-VALUE}).")
    Duration mailboxTtl;

    @Option(names = "--mailbox-max", defaultValue = "1000", description = "Messages a mailbox keeps; the oldest is dropped past it (default: ${DEFAULT-VALUE}).")
    int mailboxMax;

    @Option(names = "--channel-ttl", defaultValue = "5m", description = "How long a channel keeps history (default: ${DEFAULT-VALUE}).")
    Duration channelTtl;

    @Option(names = "--channel-history", defaultValue = "100", description = "Messages of history a channel keeps (default: ${DEFAULT-VALUE}).")
    int channelHistory;

    @Option(names = "--poll-timeout", defaultValue = "30s", description = "Long-poll hold time when the request names none (default: ${DEFAULT-VALUE}).")
    Duration pollTimeout;

    @Option(names = "--poll-timeout-max", defaultValue = "2m", description = "Longest ?timeout= a request may ask (default: ${DEFAULT-VALUE}).")
    Duration pollTimeoutMax;

    @Option(names = "--sse-heartbeat", defaultValue = "15s", description = "Heartbeat interval of SSE comments and WebSocket pings (default: ${DEFAULT-VALUE}).")
    Duration heartbeat;

    @Option(names = "--max-connections", defaultValue = "1000000", description = "Connections past this get 503 (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--max-name-length", defaultValue = "128", description = "Longest client id or channel name (default: ${DEFAULT-VALUE}).")
    int maxNameLength;

    @Option(names = "--max-message-size", defaultValue = "65536", description = "Largest request body and WebSocket frame in bytes (default: ${DEFAULT-VALUE}).")
    int maxMessageBytes;

    @Option(names = "--max-header-size", defaultValue = "8192", description = "Largest request head in bytes (default: ${DEFAULT-VALUE}).")
    int maxHeaderBytes;

    @Option(names = "--max-uri-length", defaultValue = "4096", description = "Longest request line in bytes (default: ${DEFAULT-VALUE}).")
    int maxUriBytes;

    @Option(names = "--max-subscriptions", defaultValue = "32", description = "Subscriptions per SSE/WebSocket connection (default: ${DEFAULT-VALUE}).")
    int maxSubscriptions;

    @Option(names = "--max-outbound-bytes", defaultValue = "1048576", description = "Unsent bytes after which a slow subscriber is disconnected (default: ${DEFAULT-VALUE}).")
    int maxOutboundBytes;

    @Option(names = "--max-connections-per-address", defaultValue = "100000", description = "Connections from one source address; past it 429 (default: ${DEFAULT-VALUE}).")
    int maxConnectionsPerAddress;

    @Option(names = "--header-timeout", defaultValue = "10s", description = "Close a connection that has not sent a whole request head this long after connecting or after its last answer (default: ${DEFAULT-VALUE}).")
    Duration headerTimeout;

    @Option(names = "--publish-key", paramLabel = "KEY", split = ",", description = "Publishing needs Authorization: Bearer KEY (one of these; at least 16 characters). Default: open.")
    List<String> publishKeys = new ArrayList<>();

    @Option(names = "--publish-key-file", paramLabel = "FILE", description = "File with one publish key per line (kept out of ps and shell history).")
    Path publishKeyFile;

    @Option(names = "--publish-rate", defaultValue = "0", description = "Publishes per second per publish key, 429 past it; 0: unlimited (default).")
    int publishRate;

    @Option(names = "--max-fanout-waiting", defaultValue = "50000", description = "Deliveries an event loop may have waiting to be written; past it, publishes to the loop's topics get 503 and nothing is stored (default: ${DEFAULT-VALUE}, a fraction of a second of writes).")
    int maxFanoutWaiting;

    @Option(names = "--presence-list-limit", defaultValue = "1000", description = "GET /presence/channel/{name} lists at most this many clients; past it, the count only (default: ${DEFAULT-VALUE}).")
    int presenceListLimit;

    @Option(names = "--publish-bind", paramLabel = "HOST:PORT", description = "Serve publishing (and status) on this separate address; the main port then refuses to publish.")
    String publishBind;

    @Option(names = "--subscriber-secret", paramLabel = "SECRET", description = "Subscribing needs an HS256 token signed with this secret (at least 32 bytes). Default: open.")
    String subscriberSecret;

    @Option(names = "--subscriber-secret-file", paramLabel = "FILE", description = "File holding the subscriber secret.")
    Path subscriberSecretFile;

    @Option(names = "--allowed-origins", split = ",", paramLabel = "ORIGIN", description = "Browser origins allowed cross-origin (CORS and WebSocket), or *. The server's own origin is always allowed.")
    List<String> allowedOrigins = new ArrayList<>();

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Certificate chain for https/wss (with --tls-key).")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "PKCS#8 private key for --tls-cert.")
    Path tlsKey;

    @Option(names = "--poll-batch", defaultValue = "100", description = "Most messages in one long-poll answer (default: ${DEFAULT-VALUE}).")
    int pollBatch;

    @Option(names = "--megacomet", defaultValue = "false", description = "Also open MegaComet's worker ports and manager port.")
    boolean megacomet;

    @Option(names = "--megacomet-worker-ports", defaultValue = "8000-8007", description = "MegaComet worker ports, a range or comma list (default: ${DEFAULT-VALUE}).")
    String megacometWorkerPorts;

    @Option(names = "--megacomet-manager-port", defaultValue = "9000", description = "MegaComet manager (app protocol) port (default: ${DEFAULT-VALUE}).")
    int megacometManagerPort;

    @Option(names = "--broker", defaultValue = "local", description = "local (embedded, one node), redis://host:port (a cluster sharing that Redis) or redis-cluster://host:port[,host:port...] (a cluster over Redis Cluster). Default: ${DEFAULT-VALUE}.")
    String broker;

    @Option(names = "--node-id", description = "This node's name in the cluster (default: the advertised host:port).")
    String nodeId;

    @Option(names = "--advertise", description = "Host other nodes and tools use to reach this node (default: the bind address, or this machine's name when binding every address).")
    String advertise;

    @Option(names = "--http2", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "Speak HTTP/2: h2 over TLS (ALPN), and with --h2c also in clear text (default: ${DEFAULT-VALUE}).")
    boolean http2;

    @Option(names = "--h2c", defaultValue = "false",
            description = "Also speak h2c (HTTP/2 by prior knowledge) on clear-text listeners. Off by default: browsers use HTTP/2 only over TLS, and a listener that must tell h2c from HTTP/1.1 cannot take the lean accept path (default: ${DEFAULT-VALUE}).")
    boolean h2c;

    @Option(names = "--h2-max-streams", defaultValue = "128", description = "Concurrent HTTP/2 streams per connection; more are refused (default: ${DEFAULT-VALUE}).")
    int h2MaxStreams;

    @Option(names = "--h2-max-pending-bytes", defaultValue = "8388608",
            description = "Unsent bytes one HTTP/2 connection may hold over all its streams before it is closed as a slow consumer (default: ${DEFAULT-VALUE}).")
    int h2MaxPendingBytes;

    @Option(names = "--mercure-publisher-key", paramLabel = "KEY",
            description = "Serve the Mercure hub at /.well-known/mercure; publishers' JWTs are HS256 with this key (at least 32 bytes). Default: off.")
    String mercurePublisherKey;

    @Option(names = "--mercure-subscriber-key", paramLabel = "KEY", description = "HS256 key of Mercure subscribers' JWTs (default: the publisher key).")
    String mercureSubscriberKey;

    @Option(names = "--mercure-anonymous", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "Mercure subscribers without a JWT get public updates (default: ${DEFAULT-VALUE}).")
    boolean mercureAnonymous;

    @Option(names = "--drain-timeout", defaultValue = "10s", description = "On SIGTERM or POST /admin/drain, how long clients get to leave before the rest are cut (default: ${DEFAULT-VALUE}).")
    Duration drainTimeout;

    @Option(names = "--pusher-app", paramLabel = "ID:KEY:SECRET[:FLAG...]", split = ",",
            description = "Also speak the Pusher Channels protocol for this app (repeatable); flags: client-events, max-connections=N, max-event-bytes=N.")
    List<String> pusherApps = new ArrayList<>();

    @Override
    public Integer call() throws InterruptedException {
        ServerOptions options;
        PusherApps pusher;
        try {
            options = options();
            pusher = PusherApps.parse(pusherApps);
            checkClusterOptions();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        switch (logFormat) {
            case "plain" -> LogFormat.PLAIN.apply();
            case "json" -> LogFormat.JSON.apply();
            default -> throw new ParameterException(spec.commandLine(), "--log-format must be plain or json, got " + logFormat);
        }
        boolean cluster = !broker.equals("local");
        // One set of Redis client threads for the node: its broker and its membership share them.
        ClientResources redis = cluster ? RedisLink.resources() : null;
        try {
            return serve(options, pusher, redis);
        } finally {
            if (redis != null) {
                redis.shutdown(0, 2, TimeUnit.SECONDS);
            }
        }
    }

    private int serve(ServerOptions options, PusherApps pusher, ClientResources redis) throws InterruptedException {
        boolean cluster = redis != null;
        Function<Shards, Broker> brokers = cluster
                ? shards -> new RedisBroker(options.broker(), broker, redis)
                : shards -> new LocalBroker(shards, options.broker(), Clock.systemUTC());
        HalleyServer server;
        ClusterMembership membership;
        try {
            server = HalleyServer.start(options, brokers,
                    pusher.isEmpty() ? null : hub -> new PusherGateway(hub, pusher, Clock.systemUTC()));
        } catch (ChannelException e) {
            spec.commandLine().getErr().println("halley server: " + e.getMessage());
            return 1;
        } catch (IllegalStateException e) {
            spec.commandLine().getErr().println("halley server: cannot start: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (cluster) {
            String address = advertisedHost() + ":" + server.port();
            try {
                membership = new ClusterMembership(broker, redis, nodeId != null ? nodeId : address, address,
                        () -> server.hub().stats().thenApply(s -> new ClusterMembership.NodeLoad(server.connections(),
                                s.published(), s.delivered(), s.broker().state())));
            } catch (RuntimeException e) {
                server.close();
                spec.commandLine().getErr().println("halley: cannot join the cluster at " + broker + ": " + e.getMessage());
                return 1;
            }
            server.statusSection("cluster", membership::view);
            server.hub().sharePresence(membership.presence());
        } else {
            membership = null;
        }
        Runnable drain = () -> {
            if (membership != null) {
                membership.close();
            }
            server.drain(drainTimeout);
        };
        server.onAdminDrain(drain);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            drain.run();
            server.terminated().toCompletableFuture().join();
        }, "halley-shutdown"));
        server.terminated().toCompletableFuture().join();
        return 0;
    }

    private void checkClusterOptions() {
        if (!broker.equals("local")) {
            RedisLink.parse(broker);
        }
        if (drainTimeout.compareTo(Duration.ofMillis(100)) < 0 || drainTimeout.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("--drain-timeout must be between 100ms and 10m, got " + Durations.format(drainTimeout));
        }
        if (nodeId != null && !nodeId.matches("[A-Za-z0-9._:-]{1,64}")) {
            throw new IllegalArgumentException("--node-id must be 1-64 characters of A-Za-z0-9._:-, got " + nodeId);
        }
    }

    private String advertisedHost() {
        if (advertise != null) {
            return advertise;
        }
        if (!bind.equals("0.0.0.0") && !bind.equals("::")) {
            return bind;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    ServerOptions options() {
        AcceptMode mode = switch (accept) {
            case "reuseport" -> AcceptMode.REUSEPORT;
            case "single" -> AcceptMode.SINGLE;
            default -> throw new IllegalArgumentException("--accept must be reuseport or single, got " + accept);
        };
        boolean lean = switch (leanAccept) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException("--lean-accept must be on or off, got " + leanAccept);
        };
        Limits limits = new Limits(maxConnections, maxNameLength, maxMessageBytes, maxHeaderBytes, maxUriBytes,
                maxSubscriptions, maxOutboundBytes, pollBatch, maxConnectionsPerAddress, publishRate, presenceListLimit, maxFanoutWaiting);
        BrokerOptions broker = new BrokerOptions(new Retention(mailboxTtl, mailboxMax),
                new Retention(channelTtl, channelHistory), BrokerOptions.DEFAULTS.sweepInterval());
        MegaCometOptions mc = new MegaCometOptions(megacomet, ports(megacometWorkerPorts), megacometManagerPort);
        int loopCount = loops == 0 ? Runtime.getRuntime().availableProcessors() : loops;
        return new ServerOptions(bind, port, loopCount, mode, lean, limits, pollTimeout, pollTimeoutMax, heartbeat, headerTimeout,
                mc, broker, security(), Http2Options.DEFAULTS.withEnabled(http2).withCleartext(h2c).withMaxConcurrentStreams(h2MaxStreams)
                        .withMaxPendingBytesPerConnection(h2MaxPendingBytes),
                new MercureOptions(mercurePublisherKey, mercureSubscriberKey, mercureAnonymous));
    }

    private Security security() {
        List<String> keys = new ArrayList<>(publishKeys);
        String secret = subscriberSecret;
        try {
            if (publishKeyFile != null) {
                Files.readAllLines(publishKeyFile).stream().map(String::strip).filter(l -> !l.isEmpty()).forEach(keys::add);
            }
            if (subscriberSecretFile != null) {
                secret = Files.readString(subscriberSecretFile).strip();
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + e.getMessage());
        }
        return new Security(keys, secret, allowedOrigins, tlsCert, tlsKey, publishBind);
    }

    /** {@code 8000-8007} or {@code 8000,8001}. */
    static List<Integer> ports(String text) {
        List<Integer> out = new ArrayList<>();
        try {
            for (String part : text.split(",")) {
                String p = part.trim();
                int dash = p.indexOf('-');
                if (dash > 0) {
                    int from = Integer.parseInt(p.substring(0, dash));
                    int to = Integer.parseInt(p.substring(dash + 1));
                    if (to < from || to - from > 1024) {
                        throw new IllegalArgumentException("a port range is low-high with at most 1024 ports, got " + p);
                    }
                    for (int i = from; i <= to; i++) {
                        out.add(i);
                    }
                } else {
                    out.add(Integer.parseInt(p));
                }
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("ports are a range 8000-8007 or a list 8000,8001, got " + text);
        }
        return out;
    }
}
