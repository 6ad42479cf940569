/**
 * JMH benchmarks of the hub's hot paths, run with {@code mvn -B -q test-compile exec:exec@jmh}:
 * storing into and reading back from a mailbox, and routing one channel message to many
 * subscribers. They run on Netty's embedded loop, which is always "the owning loop", so they
 * measure the work itself and not the hand-over between threads.
 */
package dev.halley.jmh;
