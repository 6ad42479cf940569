package dev.halley.bench;

import java.util.Map;

/**
 * What one process measured, shipped to the coordinator as one JSON line and merged there.
 *
 * @param worker the process's index
 * @param connections connections assigned to it
 * @param attempted connections it started
 * @param standing connections subscribed when the run stopped them
 * @param everReady connections that subscribed at least once
 * @param failures failure counts by {@link FailureCause#word}
 * @param connectHistogram connect-to-subscribed times, microseconds, encoded by {@link Histograms#encode}
 * @param latencyHistogram publish-to-delivery times of first deliveries, microseconds, encoded
 * @param deliveries markers received, duplicates included
 * @param duplicates markers received again by the same subscriber
 * @param outOfOrder markers received after a later message of the same subscriber
 * @param unexpected markers that belong to no message this run offered to that subscriber
 * @param requests long-poll answers received
 * @param deliveredBits mailbox scenarios: which messages arrived, see {@link DeliveryLedger#bitsBase64}
 * @param neverSubscribedBits mailbox scenarios: which of the run's connection indices (this process's
 *     share) never subscribed, as base64 of little-endian longs like {@code deliveredBits}
 * @param fanoutCounts fanout: subscribers that received each message
 * @param fanoutLastNanos fanout: {@code System.nanoTime()} of each message's latest delivery
 * @param readyPerChannel fanout: subscribed connections per channel when publishing began
 * @param rssBytes this process's resident memory with its connections open, or null if unreadable
 * @param connectStartNanos {@code System.nanoTime()} when this process began connecting
 * @param lastFirstSubscribeNanos {@code System.nanoTime()} of its last first-time subscription, 0 if none
 * @param sockets HTTP/2: the connections that carried its subscriber streams and connected; 0 otherwise
 * @param held subscriber sockets held outside Netty ({@link HeldSubscriber}) when the run stopped them
 */
record WorkerResult(int worker, int connections, int attempted, int standing, int everReady,
        Map<String, Long> failures, String connectHistogram, String latencyHistogram, long deliveries,
        long duplicates, long outOfOrder, long unexpected, long requests, String deliveredBits, String neverSubscribedBits,
        int[] fanoutCounts, long[] fanoutLastNanos, int[] readyPerChannel,
        Long rssBytes, long connectStartNanos, long lastFirstSubscribeNanos, long sockets, long held) {
}
