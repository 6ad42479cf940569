/**
 * Storage and distribution of messages behind one interface, {@link dev.halley.broker.Broker}: it
 * stores a published message, gives it its id, hands it to every node for delivery, and answers
 * "what is stored after this cursor, and is anything missing". The embedded
 * {@link dev.halley.broker.LocalBroker} keeps each topic's log on the event loop that owns the
 * topic ({@link dev.halley.broker.Shards}), so it needs no locks; a cluster broker keeps the same
 * contract over Redis. Retention (time to live, length cap) is decided here, per kind of topic.
 */
package dev.halley.broker;
