package dev.halley.transport;

import dev.halley.broker.BrokerStats;
import dev.halley.hub.Hub;
import dev.halley.hub.HubStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The node's Micrometer registry, scraped by {@code GET /metrics} in Prometheus text format.
 *
 * <p>Every meter reads a counter the node already keeps; nothing is added to the message path.
 * {@link Hub#stats()} visits every loop asynchronously, so a scrape never waits for it: the last
 * snapshot is refreshed once a second on one loop and the meters read that (at most a second old).
 */
final class NodeMetrics implements AutoCloseable {

    private static final HubStats EMPTY = new HubStats(0, 0, 0, 0, 0, 0, 0, 0, 0,
            new BrokerStats("unknown", "unknown", "", 0, 0, 0, 0, 0, -1, -1));

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Hub hub;
    private volatile HubStats last = EMPTY;
    private ScheduledFuture<?> refresh;

    NodeMetrics(Hub hub, NodeCounters counters, int loops) {
        this.hub = hub;
        Gauge.builder("halley.connections.open", counters, NodeCounters::open)
                .description("Open connections, all transports").register(registry);
        for (Transport t : Transport.values()) {
            Gauge.builder("halley.connections", counters, c -> c.byTransport(t))
                    .tag("transport", t.word).description("Connections by the transport they use").register(registry);
        }
        for (int i = 0; i < loops; i++) {
            int loop = i;
            Gauge.builder("halley.loop.connections", counters, c -> c.openPerLoop()[loop])
                    .tag("loop", Integer.toString(loop)).description("Open connections served by each event loop").register(registry);
        }
        FunctionCounter.builder("halley.accepts", counters, NodeCounters::accepted)
                .description("Connections accepted since start").register(registry);
        for (NodeCounters.Reject r : NodeCounters.Reject.values()) {
            FunctionCounter.builder("halley.rejects", counters, c -> c.rejectedCount(r))
                    .tag("cause", r.word).description("Connections or requests turned away, by cause").register(registry);
        }
        counter("halley.messages.published", "Messages stored through this node since start", HubStats::published);
        counter("halley.messages.delivered", "Messages handed to subscribers on this node since start", HubStats::delivered);
        counter("halley.routing.delivered.messages", "Messages handed to at least one subscriber on this node, once per message",
                HubStats::deliveredMessages);
        counter("halley.routing.read.messages", "Live messages this node read from Redis, caught-up ones included (embedded: 0)",
                s -> Math.max(0, s.broker().liveMessagesRead()) + s.caughtUp());
        gauge("halley.routing.followed.topics", "Topics whose live messages this node receives (embedded: -1, it receives all)",
                s -> s.broker().followedTopics());
        counter("halley.messages.expired", "Messages removed when their time to live passed", s -> s.broker().expiredMessages());
        counter("halley.messages.dropped", "Messages removed to respect a length cap", s -> s.broker().droppedMessages());
        gauge("halley.queued.messages", "Messages stored and not yet expired", s -> s.broker().queuedMessages());
        gauge("halley.mailboxes", "Client mailboxes holding at least one message", s -> s.broker().mailboxes());
        gauge("halley.channels", "Channels holding history", s -> s.broker().channels());
        gauge("halley.subscriptions", "Live subscriptions, all transports", HubStats::subscriptions);
        gauge("halley.fanout.waiting", "Deliveries to subscribers on this node of messages received and not yet written out", HubStats::fanoutWaiting);
        gauge("halley.presence.channels", "Channels with at least one client present on this node", HubStats::presentChannels);
        gauge("halley.presence.clients", "Clients with at least one connection to this node", HubStats::onlineClients);
        gauge("halley.broker.ok", "1 while the broker's store is reachable, 0 while degraded",
                s -> "ok".equals(s.broker().state()) ? 1 : 0);

        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    private void counter(String name, String description, ToDoubleFunction<HubStats> read) {
        FunctionCounter.builder(name, this, m -> read.applyAsDouble(m.last)).description(description).register(registry);
    }

    private void gauge(String name, String description, ToDoubleFunction<HubStats> read) {
        Gauge.builder(name, this, m -> read.applyAsDouble(m.last)).description(description).register(registry);
    }

    /** Starts refreshing the hub snapshot every second on {@code loop}. */
    void start(EventExecutor loop) {
        refresh = loop.scheduleAtFixedRate(() -> hub.stats().thenAccept(s -> last = s), 0, 1, TimeUnit.SECONDS);
    }

    /** The Prometheus text exposition of every meter; reads only cached or atomic values. */
    String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        if (refresh != null) {
            refresh.cancel(false);
        }
        gc.close();
        registry.close();
    }
}
