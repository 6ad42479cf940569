package dev.halley.message;

import java.util.Objects;

/**
 * Where a message goes: a client's mailbox (one reader, messages wait while it is away) or a
 * named channel (fan-out to every subscriber, short history).
 *
 * <p>Names are validated by the edge against its configured limits before a topic is built; this
 * record only refuses what can never be a name (null or empty).
 */
public record Topic(Kind kind, String name) {

    /** The two kinds of address, with the word used for them in URLs and JSON. */
    public enum Kind {
        CLIENT("client"),
        CHANNEL("channel");

        private final String word;

        Kind(String word) {
            this.word = word;
        }

        /** The lower-case word for this kind, as in {@code /sub/client/{id}} and {@code "client":"a"}. */
        public String word() {
            return word;
        }
    }

    public Topic {
        Objects.requireNonNull(kind, "kind");
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("topic name must not be empty");
        }
    }

    public static Topic client(String id) {
        return new Topic(Kind.CLIENT, id);
    }

    public static Topic channel(String name) {
        return new Topic(Kind.CHANNEL, name);
    }

    /** {@code client:alice} or {@code channel:news}: the form used in compound cursors and logs. */
    @Override
    public String toString() {
        return kind.word + ":" + name;
    }
}
