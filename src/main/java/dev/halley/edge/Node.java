package dev.halley.edge;

import dev.halley.hub.Hub;
import dev.halley.pusher.PusherGateway;

/**
 * What every handler of one node shares: the hub, the options it was started with, its counters,
 * and the guards built once from its security options.
 *
 * @param subscriberTokens null when subscribing is open
 * @param startedAtMillis wall-clock start, for uptime in {@code /status}
 * @param metrics the meters {@code /metrics} exposes
 * @param admin open connections, drain state and extra status sections
 * @param pusher the Pusher-compatible mode, or null when the node does not speak it
 */
record Node(Hub hub, ServerOptions options, EdgeCounters counters, PublishGuard publishGuard,
            SubscriberTokens subscriberTokens, OriginPolicy origins, long startedAtMillis, NodeMetrics metrics,
            NodeAdmin admin, PusherGateway pusher) {

    /** A node whose drain and extra status sections are not wired (tests that build a node by hand). */
    Node(Hub hub, ServerOptions options, EdgeCounters counters, PublishGuard publishGuard,
         SubscriberTokens subscriberTokens, OriginPolicy origins, long startedAtMillis, NodeMetrics metrics) {
        this(hub, options, counters, publishGuard, subscriberTokens, origins, startedAtMillis, metrics, new NodeAdmin(), null);
    }

    Limits limits() {
        return options.limits();
    }
}
