package dev.halley.transport.mercure;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One Mercure update as a publisher sent it, and as Halley stores it: a JSON object in the
 * message's data, so the broker's history, resume and cluster carry it unchanged.
 *
 * @param topics the canonical topic first, then alternates; at least one
 * @param data the event's data; may contain line breaks (each becomes its own {@code data:} line)
 * @param privateUpdate sent only to subscribers whose token's subscribe selectors match a topic
 * @param id the publisher's id for the event, or null: the hub's own ({@code urn:halley:<cursor>})
 * @param type the SSE {@code event:} field, or null
 * @param retryMillis the SSE {@code retry:} field, or -1 for none
 */
public record MercureUpdate(List<String> topics, String data, boolean privateUpdate, String id, String type, long retryMillis) {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public MercureUpdate {
        topics = List.copyOf(topics);
        if (topics.isEmpty()) {
            throw new IllegalArgumentException("an update needs at least one topic");
        }
        for (String topic : topics) {
            if (topic.isEmpty() || topic.equals("*")) {
                throw new IllegalArgumentException("a topic must be non-empty and not the wildcard *, got '" + topic + "'");
            }
        }
        data = data == null ? "" : data;
        if (id != null && (id.isEmpty() || id.startsWith("#") || hasLineBreakOrNul(id) || id.equals("earliest"))) {
            throw new IllegalArgumentException("an id must be non-empty, on one line, not start with # and not be 'earliest'");
        }
        if (type != null && (type.isEmpty() || hasLineBreakOrNul(type))) {
            throw new IllegalArgumentException("a type must be non-empty and on one line");
        }
        if (retryMillis < -1) {
            throw new IllegalArgumentException("retry must be a non-negative number of milliseconds, got " + retryMillis);
        }
    }

    /** Whether any of this update's topics is matched by any of {@code selectors}. */
    public boolean anyTopicMatches(List<TopicSelector> selectors) {
        for (String topic : topics) {
            for (TopicSelector s : selectors) {
                if (s.matches(topic)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether every topic of this update is matched by some selector of {@code selectors}. */
    public boolean everyTopicMatches(List<TopicSelector> selectors) {
        for (String topic : topics) {
            boolean matched = false;
            for (TopicSelector s : selectors) {
                matched |= s.matches(topic);
            }
            if (!matched) {
                return false;
            }
        }
        return true;
    }

    /** The stored form: one JSON object. */
    public byte[] toJson() {
        ObjectNode o = MAPPER.createObjectNode();
        ArrayNode t = o.putArray("topics");
        topics.forEach(t::add);
        o.put("data", data);
        if (privateUpdate) {
            o.put("private", true);
        }
        if (id != null) {
            o.put("id", id);
        }
        if (type != null) {
            o.put("type", type);
        }
        if (retryMillis >= 0) {
            o.put("retry", retryMillis);
        }
        try {
            return MAPPER.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings and numbers always serialises", e);
        }
    }

    /** Reads the stored form back; {@link IllegalArgumentException} when it is not one. */
    public static MercureUpdate fromJson(byte[] json) {
        JsonNode o;
        try {
            o = MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("a stored Mercure update is a JSON object", e);
        }
        if (o == null || !o.isObject() || !o.path("topics").isArray()) {
            throw new IllegalArgumentException("a stored Mercure update is a JSON object with topics");
        }
        List<String> topics = new ArrayList<>();
        o.get("topics").forEach(t -> topics.add(t.asText()));
        return new MercureUpdate(topics, o.path("data").asText(""), o.path("private").asBoolean(false),
                o.hasNonNull("id") ? o.get("id").asText() : null, o.hasNonNull("type") ? o.get("type").asText() : null,
                o.hasNonNull("retry") ? o.get("retry").asLong() : -1);
    }

    private static boolean hasLineBreakOrNul(String s) {
        return s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0 || s.indexOf('\0') >= 0;
    }
}
