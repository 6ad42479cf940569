package dev.halley.message;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One stored publication.
 *
 * <p>{@code json} is the message's data already encoded as one JSON value: a text body is a JSON
 * string, a JSON body is itself. It is encoded once at publish time and shared by every delivery;
 * nobody may modify the array after construction.
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
    public String toString() {
        return "Message[" + topic + " " + id + " " + json.length + "B]";
    }
}
