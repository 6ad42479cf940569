/**
 * Storage and distribution of messages behind one interface, {@link dev.halley.broker.Broker}: it
 * stores a published message, gives it its id, hands it to every node for delivery, and answers
 * "what is stored after this cursor, and is anything missing". The embedded
 * {@link dev.halley.broker.LocalBroker} keeps each topic's log on the event loop that owns the
 * topic ({@link dev.halley.loops.PerLoop}), so it needs no locks; a log is one packed byte ring
 * found by name in an open-addressing table, so a queued 20-byte message costs about 30 to 50
 * bytes of heap instead of a few hundred. The cluster broker,
 * {@link dev.halley.broker.RedisBroker}, keeps the same contract over Redis: each topic's log is a
 * Redis stream, one Lua script per operation assigns ids and trims atomically, and every stored
 * message is also appended to one bus stream that each node reads from its last position, so each
 * node gets each message once and catches up after losing Redis for a while. Retention (time to
 * live, length cap) is decided here, per kind of topic.
 */
package dev.halley.broker;
