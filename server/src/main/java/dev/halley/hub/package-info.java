/**
 * Routing and delivery: who is subscribed to which topic, and getting each stored message to each
 * of them exactly once, in order. {@link dev.halley.hub.Hub} is the whole surface the transports
 * use. Each topic's subscribers live on the loop that owns the topic; a subscription resuming
 * from a cursor first receives the broker's backlog and then live messages, with anything already
 * covered by the backlog skipped, so a reconnect never duplicates or loses a message. Presence
 * (who is subscribed to which channel, which clients are connected) is kept beside the
 * subscriptions on the same loops, and shared through a presence directory in a cluster. Each
 * loop writes out its stored messages from a fan-out queue in slices of about a thousand
 * subscribers and polls its sockets between slices, so a loop behind its fan-out still stores and
 * answers publishes within a slice's time. The hub
 * knows nothing about HTTP or sockets, and nothing about how the broker stores messages.
 */
package dev.halley.hub;
