package dev.halley.edge;

import dev.halley.hub.Hub;

/**
 * What every handler of one node shares: the hub, the options it was started with, its counters.
 *
 * @param startedAtMillis wall-clock start, for uptime in {@code /status}
 * @param admin open connections, drain state and extra status sections
 */
record Node(Hub hub, ServerOptions options, EdgeCounters counters, long startedAtMillis, NodeAdmin admin) {

    Limits limits() {
        return options.limits();
    }
}
