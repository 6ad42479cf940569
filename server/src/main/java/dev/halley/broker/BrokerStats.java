package dev.halley.broker;

/**
 * What a broker holds and how it is doing.
 *
 * @param kind {@code local}, {@code redis} or {@code redis-cluster}
 * @param state {@code ok}, or {@code degraded} while its store is unreachable
 * @param epoch the current epoch of message ids
 * @param mailboxes client mailboxes holding at least one message; -1 when not counted (redis: it would take a scan)
 * @param channels channels holding history; -1 when not counted
 * @param queuedMessages messages stored and not yet expired; -1 when not counted
 * @param expiredMessages messages removed because their time to live passed, since start (redis: cluster-wide, since Redis started)
 * @param droppedMessages messages removed to respect a length cap, since start (redis: cluster-wide)
 * @param followedTopics topics whose live messages this node receives now (local: -1, it receives all)
 * @param liveMessagesRead live messages this node read from its store since start (local: -1, none is read)
 */
public record BrokerStats(String kind, String state, String epoch, long mailboxes, long channels,
                          long queuedMessages, long expiredMessages, long droppedMessages,
                          long followedTopics, long liveMessagesRead) {
}
