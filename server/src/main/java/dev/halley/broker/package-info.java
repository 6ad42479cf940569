/**
 * Storage and distribution of messages behind one interface, {@link dev.halley.broker.Broker}: it
 * stores a published message, gives it its id, hands it to the nodes that follow its topic, and answers
 * "what is stored after this cursor, and is anything missing". The embedded
 * {@link dev.halley.broker.LocalBroker} keeps each topic's log on the event loop that owns the
 * topic ({@link dev.halley.loops.PerLoop}), so it needs no locks; a log is one packed byte ring
 * found by name in an open-addressing table, so a queued 20-byte message costs about 30 to 50
 * bytes of heap instead of a few hundred. The cluster broker,
 * {@link dev.halley.broker.RedisBroker}, keeps the same contract over Redis: each topic's log is a
 * Redis stream, one Lua script per operation assigns ids, trims and announces the message on the
 * topic's sharded pub/sub channel atomically, and a node listens only to the channels of topics it
 * has subscribers of ({@link dev.halley.broker.LiveFeed}); the hub catches up from the log after an
 * interruption. {@link dev.halley.broker.RedisLink} talks to one Redis or to a Redis Cluster, and
 * {@link dev.halley.broker.KeySpace} keeps each topic's keys in one slot. Retention (time to
 * live, length cap) is decided here, per kind of topic.
 */
package dev.halley.broker;
