/**
 * Share nothing between cores: a node's event loops, which of them owns each topic
 * ({@link dev.halley.loops.Shards}, a hash of the topic's name, as MegaComet hashed client ids to
 * its workers) and the state each loop keeps for the topics it owns
 * ({@link dev.halley.loops.PerLoop}). The hub and the local broker keep their per-topic state
 * here, so the hot path touches a topic only on its own loop and takes no locks. Nothing here
 * knows what the state is. {@link dev.halley.loops.TickWheel} gives each loop one timer for a
 * periodic check of all its connections (stream heartbeats, Pusher activity checks), and
 * {@link dev.halley.loops.Deadlines} one timer for the one-off deadlines of all of them (held
 * long-polls' timeouts).
 */
package dev.halley.loops;
