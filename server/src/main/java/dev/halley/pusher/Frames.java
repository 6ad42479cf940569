package dev.halley.pusher;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;

/**
 * The JSON of Pusher protocol frames, and the form an event takes in the hub.
 *
 * <p>Pusher nests JSON as a string in {@code data} for the server's own events
 * ({@code connection_established}, {@code subscription_succeeded}, member events), as pusher-js
 * expects; errors carry {@code data} as an object. An event is stored in the hub as
 * {@code ["<excluded socket id>",<frame>]}: the socket id (digits and one dot, empty when nobody is
 * excluded) can be read off the front and the frame sliced out without parsing, once per delivery.
 */
final class Frames {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private Frames() {
    }

    static String connectionEstablished(String socketId, int activityTimeoutSeconds) {
        ObjectNode data = MAPPER.createObjectNode().put("socket_id", socketId).put("activity_timeout", activityTimeoutSeconds);
        return event("pusher:connection_established", null, text(data));
    }

    static String error(int code, String message) {
        ObjectNode frame = MAPPER.createObjectNode().put("event", "pusher:error");
        frame.putObject("data").put("code", code).put("message", message);
        return text(frame);
    }

    /** What pusher-js emits as {@code pusher:subscription_error} on the channel (Laravel Echo's {@code error()}). */
    static String subscriptionError(String channel, int status, String message) {
        ObjectNode frame = MAPPER.createObjectNode().put("event", "pusher:subscription_error").put("channel", channel);
        frame.putObject("data").put("type", "AuthError").put("error", message).put("status", status);
        return text(frame);
    }

    static String subscriptionSucceeded(String channel, String dataJson) {
        return event("pusher_internal:subscription_succeeded", channel, dataJson);
    }

    static String cacheMiss(String channel) {
        return event("pusher:cache_miss", channel, "{}");
    }

    static String pong() {
        return event("pusher:pong", null, "{}");
    }

    static String ping() {
        return event("pusher:ping", null, "{}");
    }

    static String memberAdded(String channel, String userId, JsonNode userInfo) {
        ObjectNode data = MAPPER.createObjectNode().put("user_id", userId);
        if (userInfo != null) {
            data.set("user_info", userInfo);
        }
        return event("pusher_internal:member_added", channel, text(data));
    }

    static String memberRemoved(String channel, String userId) {
        return event("pusher_internal:member_removed", channel, text(MAPPER.createObjectNode().put("user_id", userId)));
    }

    /**
     * An event as stored in the hub: {@code data} as given (a string from the HTTP API, any JSON
     * value from a client event), {@code userId} only on presence client events.
     */
    static byte[] stored(String excludedSocketId, String channel, String event, JsonNode data, String userId) {
        ObjectNode frame = MAPPER.createObjectNode().put("event", event).put("channel", channel);
        frame.set("data", data);
        if (userId != null) {
            frame.put("user_id", userId);
        }
        return ("[\"" + (excludedSocketId == null ? "" : excludedSocketId) + "\"," + text(frame) + "]").getBytes(StandardCharsets.UTF_8);
    }

    /** The socket id at the front of a stored event, or "" when it excludes nobody. */
    static String excluded(byte[] stored) {
        int end = closingQuote(stored);
        return new String(stored, 2, end - 2, StandardCharsets.US_ASCII);
    }

    /** Where the frame of a stored event starts. */
    static int frameStart(byte[] stored) {
        return closingQuote(stored) + 2;
    }

    /** The frame's length: everything after the socket id but the final bracket. */
    static int frameLength(byte[] stored) {
        return stored.length - 1 - frameStart(stored);
    }

    private static int closingQuote(byte[] stored) {
        int i = 2;
        while (stored[i] != '"') {
            i++;
        }
        return i;
    }

    private static String event(String event, String channel, String dataJson) {
        ObjectNode frame = MAPPER.createObjectNode().put("event", event);
        if (channel != null) {
            frame.put("channel", channel);
        }
        frame.put("data", dataJson);
        return text(frame);
    }

    static String text(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree built here always serializes", e);
        }
    }
}
