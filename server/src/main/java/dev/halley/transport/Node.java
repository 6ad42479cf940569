package dev.halley.transport;

import dev.halley.auth.OriginPolicy;
import dev.halley.auth.PublishGuard;
import dev.halley.auth.Security;
import dev.halley.auth.SubscriberTokens;
import dev.halley.hub.Hub;
import dev.halley.pusher.PusherGateway;
import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * What every handler of one node shares: the hub, the options it was started with, its counters,
 * and the guards built once from its security options. The edge builds one with {@link #create}
 * and reaches the transports only through this class, {@link HttpPipeline} and
 * {@link MegaCometManagerPort}.
 */
public final class Node {

    private final Hub hub;
    private final TransportOptions options;
    private final NodeCounters counters;
    private final PublishGuard publishGuard;
    private final SubscriberTokens subscriberTokens;
    private final OriginPolicy origins;
    private final long startedAtMillis;
    private final NodeMetrics metrics;
    private final NodeAdmin admin = new NodeAdmin();
    private final PusherGateway pusher;
    private final MercureKeys mercure;

    private Node(Hub hub, TransportOptions options, Security security, List<? extends EventExecutor> loops, PusherGateway pusher) {
        this.hub = hub;
        this.pusher = pusher;
        if (pusher != null) {
            admin.statusSection("pusher", pusher::status);
        }
        this.options = options;
        this.counters = new NodeCounters(loops);
        this.publishGuard = new PublishGuard(security.publishKeys(), options.limits().publishesPerSecondPerKey());
        this.subscriberTokens = security.subscriberSecret() == null ? null : new SubscriberTokens(security.subscriberSecret());
        this.origins = new OriginPolicy(security.allowedOrigins(), security.tls());
        this.startedAtMillis = System.currentTimeMillis();
        this.metrics = new NodeMetrics(hub, counters, loops.size());
        this.mercure = MercureKeys.of(options.mercure());
    }

    /**
     * The shared state of a node whose hub runs on {@code loops}; its meters start with
     * {@link #startMetrics} and stop with {@link #close}.
     */
    public static Node create(Hub hub, TransportOptions options, Security security, List<? extends EventExecutor> loops) {
        return new Node(hub, options, security, loops, null);
    }

    /** A node that also speaks the Pusher protocol through {@code pusher} (null: it does not). */
    public static Node create(Hub hub, TransportOptions options, Security security, List<? extends EventExecutor> loops,
                              PusherGateway pusher) {
        return new Node(hub, options, security, loops, pusher);
    }

    /** Connection counts and refusals by cause; the edge's gate and head timeout count here too. */
    public NodeCounters counters() {
        return counters;
    }

    /** Starts the periodic meters on {@code loop}. */
    public void startMetrics(EventExecutor loop) {
        metrics.start(loop);
    }

    /** Every accepted HTTP connection joins the group a drain asks to finish. */
    public void track(Channel channel) {
        admin.track(channel);
    }

    /** Open HTTP connections tracked for a drain. */
    public int trackedConnections() {
        return admin.connections().size() + admin.heldCount();
    }

    /**
     * Marks the node draining and asks every tracked connection to finish its own way (SSE: a
     * {@code retry:} field and the end; WebSocket: close 1012; a held long-poll: its cursor).
     */
    public void startDrain() {
        admin.markDraining();
        for (Channel ch : admin.connections()) {
            ch.pipeline().fireUserEventTriggered(NodeAdmin.DRAIN);
        }
        admin.drainHeld();
    }

    /** Closes whatever tracked connections are left; waits a bounded time. */
    public void closeTracked() {
        admin.connections().close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        admin.closeHeld();
    }

    /** Adds a section to {@code GET /status}; {@code section} must not block. */
    public void statusSection(String name, Supplier<Object> section) {
        admin.statusSection(name, section);
    }

    /** What {@code POST /admin/drain} does; without it that endpoint answers 503. */
    public void onDrainRequest(Runnable action) {
        admin.onDrainRequest(action);
    }

    /** Stops the meters and the Pusher gateway's webhooks. */
    public void close() {
        metrics.close();
        if (pusher != null) {
            pusher.close();
        }
    }

    Hub hub() {
        return hub;
    }

    TransportOptions options() {
        return options;
    }

    PublishGuard publishGuard() {
        return publishGuard;
    }

    /** Null when subscribing is open. */
    SubscriberTokens subscriberTokens() {
        return subscriberTokens;
    }

    OriginPolicy origins() {
        return origins;
    }

    /** Wall-clock start, for uptime in {@code /status}. */
    long startedAtMillis() {
        return startedAtMillis;
    }

    /** The meters {@code /metrics} exposes. */
    NodeMetrics metrics() {
        return metrics;
    }

    /** Null when the Mercure hub is off. */
    MercureKeys mercure() {
        return mercure;
    }

    NodeAdmin admin() {
        return admin;
    }

    /** The Pusher-compatible mode, or null when the node does not speak it. */
    PusherGateway pusher() {
        return pusher;
    }

    public Limits limits() {
        return options.limits();
    }
}
