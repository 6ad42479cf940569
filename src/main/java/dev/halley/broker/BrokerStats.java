package dev.halley.broker;

/**
 * What a broker holds and how it is doing.
 *
 * @param kind {@code local} or {@code redis}
 * @param state {@code ok}, or {@code degraded} while its store is unreachable
 * @param epoch the current epoch of message ids
 * @param mailboxes client mailboxes holding at least one message
 * @param channels channels holding history
 * @param queuedMessages messages stored and not yet expired
 * @param expiredMessages messages removed because their time to live passed, since start
 * @param droppedMessages messages removed to respect a length cap, since start
 */
public record BrokerStats(String kind, String state, String epoch, long mailboxes, long channels,
                          long queuedMessages, long expiredMessages, long droppedMessages) {
}
