/**
 * The vocabulary every other package speaks: a {@link dev.halley.message.Topic} names a client's
 * mailbox or a channel, a {@link dev.halley.message.Message} is one stored publication with its
 * {@link dev.halley.message.MessageId}, and a {@link dev.halley.message.Backlog} is what a
 * subscriber resuming from a cursor is owed. These are immutable values with no behaviour beyond
 * parsing and ordering; they know nothing of sockets, HTTP or storage.
 */
package dev.halley.message;
