package dev.halley.hub;

import dev.halley.broker.BrokerStats;

/**
 * Counters of one node's hub and its broker, read in one pass over all loops.
 *
 * @param subscriptions live subscriptions, all transports
 * @param subscribedTopics topics with at least one live subscription on this node
 * @param published messages stored through this node since start
 * @param delivered messages handed to subscribers on this node since start
 */
public record HubStats(long subscriptions, long subscribedTopics, long published, long delivered, BrokerStats broker) {
}
