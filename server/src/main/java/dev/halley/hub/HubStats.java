package dev.halley.hub;

import dev.halley.broker.BrokerStats;

/**
 * Counters of one node's hub and its broker, read in one pass over all loops.
 *
 * @param subscriptions live subscriptions, all transports
 * @param subscribedTopics topics with at least one live subscription on this node
 * @param published messages stored through this node since start
 * @param delivered messages handed to subscribers on this node since start, once per subscriber
 * @param deliveredMessages live messages handed to at least one subscriber on this node, once per message (backlogs not counted)
 * @param caughtUp messages read back from the log after an interrupted delivery
 */
public record HubStats(long subscriptions, long subscribedTopics, long published, long delivered,
                       long deliveredMessages, long caughtUp, BrokerStats broker) {

    /**
     * Messages this node read from its broker for live delivery per message it delivered: about 1
     * when the broker delivers by interest, the number of nodes when every node reads every
     * message; -1 before anything was delivered or when the broker reads nothing (embedded).
     */
    public double readsPerDelivered() {
        long read = broker.liveMessagesRead();
        if (read < 0 || deliveredMessages == 0) {
            return -1;
        }
        return (double) (read + caughtUp) / deliveredMessages;
    }
}
