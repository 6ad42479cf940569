/**
 * Presence: which clients are subscribed to which channels, and which clients are connected at
 * all. A {@link dev.halley.presence.Member} says who a subscription belongs to; a client joins a
 * channel with its first subscription there and leaves when its last one ends (after a
 * {@link dev.halley.presence.Member#linger} for long-poll clients between polls). The hub keeps the
 * state on each topic's owning loop in a {@link dev.halley.presence.PresenceTable} and announces
 * {@link dev.halley.presence.PresenceEvent}s to the channel's watching subscribers; the records
 * here are what the transports read. In a cluster the hub shares its presence through a
 * {@link dev.halley.presence.PresenceDirectory} (Redis, in {@code dev.halley.cluster}), which
 * answers the reads and announces the events for every node, and asks for all of this node's
 * entries again when its store may have lost them. Nothing here knows HTTP, and
 * presence is never stored as a message: events take no ids and move no cursors.
 */
package dev.halley.presence;
