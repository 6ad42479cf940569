package dev.halley.message;

import java.util.List;
import java.util.Objects;

/**
 * What a subscriber is owed when it (re)subscribes: the stored messages after its cursor, and
 * whether anything it should have had is gone.
 *
 * @param messages in id order, all after the requested cursor
 * @param gap true when messages after the cursor existed but can no longer be delivered (expired,
 *     capped, consumed, or the cursor is from another epoch); never silently false
 * @param cursor where to resume next: the last message's id, or the topic's head when empty
 */
public record Backlog(List<Message> messages, boolean gap, MessageId cursor) {

    public Backlog {
        messages = List.copyOf(messages);
        Objects.requireNonNull(cursor, "cursor");
    }

    public static Backlog empty(MessageId cursor) {
        return new Backlog(List.of(), false, cursor);
    }
}
