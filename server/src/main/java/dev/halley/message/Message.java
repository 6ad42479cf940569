package dev.halley.message;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One stored publication.
 *
 * <p>{@code json} is the message's data already encoded as one JSON value: a text body is a JSON
 * string, a JSON body is itself. It is encoded once at publish time and shared by every delivery;
 * nobody may modify the array after construction. Two messages are equal when their topic, id,
 * time and bytes are: a stored message read back is a copy of its bytes, not the same array.
 *
 * @param publishedAtMillis wall-clock time the broker stored it, for expiry and latency
 */
public record Message(Topic topic, MessageId id, long publishedAtMillis, byte[] json) {

    public Message {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(json, "json");
    }

    public String jsonText() {
        return new String(json, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Message m && topic.equals(m.topic) && id.equals(m.id)
                && publishedAtMillis == m.publishedAtMillis && Arrays.equals(json, m.json);
    }

    @Override
    public int hashCode() {
        return (topic.hashCode() * 31 + id.hashCode()) * 31 + Arrays.hashCode(json);
    }

    @Override
    public String toString() {
        return "Message[" + topic + " " + id + " " + json.length + "B]";
    }
}
