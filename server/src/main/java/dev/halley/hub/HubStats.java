package dev.halley.hub;

import dev.halley.broker.BrokerStats;

/**
 * Counters of one node's hub and its broker, read in one pass over all loops.
 *
 * @param subscriptions live subscriptions, all transports
 * @param subscribedTopics topics with at least one live subscription on this node
 * @param published messages stored through this node since start
 * @param delivered live messages subscribers on this node got since start, once per subscriber, counted when it
 *     gets it (not a copy held back for a backlog that then holds the message itself; backlog messages are not counted)
 * @param deliveredMessages live messages that at least one subscriber on this node got or held back for its
 *     backlog, once per message: what this node read for someone who wanted it (backlogs not counted)
 * @param caughtUp messages read back from the log after an interrupted delivery
 * @param presentChannels channels with at least one client present on this node
 * @param onlineClients clients with at least one connection to this node (or lingering between long-polls)
 * @param fanoutWaiting deliveries to subscribers here of messages received and not yet written out: above
 *     zero for long only while this node's loops cannot keep up with its fan-out
 */
public record HubStats(long subscriptions, long subscribedTopics, long published, long delivered,
                       long deliveredMessages, long caughtUp, long presentChannels,
                       long onlineClients, long fanoutWaiting, BrokerStats broker) {

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
