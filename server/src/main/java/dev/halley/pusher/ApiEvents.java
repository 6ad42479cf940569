package dev.halley.pusher;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The bodies of {@code POST /apps/{id}/events} and {@code /batch_events}, checked against
 * Pusher's limits and turned into one event per channel named.
 */
final class ApiEvents {

    /** Pusher's limits: channels named by one event, events in one batch. */
    static final int MAX_CHANNELS_PER_EVENT = 100;
    static final int MAX_BATCH = 10;
    private static final Pattern SOCKET_ID = Pattern.compile("\\d{1,19}\\.\\d{1,19}");

    /** An event checked and ready to store. */
    record Event(String channel, String name, String data, String socketId) {
    }

    private ApiEvents() {
    }

    static JsonNode parse(byte[] body) throws ApiRefused {
        try {
            JsonNode node = Frames.MAPPER.readTree(body);
            if (node == null || !node.isObject()) {
                throw new ApiRefused(400, "The body must be a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new ApiRefused(400, "The body must be JSON");
        }
    }

    static List<Event> batch(PusherApp app, JsonNode body) throws ApiRefused {
        JsonNode batch = body.path("batch");
        if (!batch.isArray()) {
            throw new ApiRefused(400, "batch_events needs a \"batch\" array");
        }
        if (batch.size() > MAX_BATCH) {
            throw new ApiRefused(400, "Batch too large: at most " + MAX_BATCH + " events, got " + batch.size());
        }
        List<Event> events = new ArrayList<>();
        for (JsonNode item : batch) {
            if (!item.isObject() || !item.path("channel").isTextual()) {
                throw new ApiRefused(400, "Each batch event needs a \"channel\" string");
            }
            events.addAll(event(app, item));
        }
        return events;
    }

    /** The events one trigger makes, one per channel named. */
    static List<Event> event(PusherApp app, JsonNode body) throws ApiRefused {
        String name = body.path("name").isTextual() ? body.get("name").asText() : null;
        if (name == null || name.isEmpty() || name.length() > ChannelName.MAX_LENGTH) {
            throw new ApiRefused(400, "An event needs a \"name\" of 1-" + ChannelName.MAX_LENGTH + " characters");
        }
        if (!body.path("data").isTextual()) {
            throw new ApiRefused(400, "An event's \"data\" must be a string");
        }
        String data = body.get("data").asText();
        if (data.getBytes(StandardCharsets.UTF_8).length > app.maxEventBytes()) {
            throw new ApiRefused(413, "Request Entity Too Large: event data is limited to " + app.maxEventBytes() + " bytes");
        }
        String socketId = null;
        if (body.hasNonNull("socket_id")) {
            socketId = body.get("socket_id").asText();
            if (!SOCKET_ID.matcher(socketId).matches()) {
                throw new ApiRefused(400, "Invalid socket_id " + Frames.abbreviate(socketId));
            }
        }
        List<String> channels = new ArrayList<>();
        if (body.path("channels").isArray()) {
            for (JsonNode c : body.get("channels")) {
                channels.add(c.asText());
            }
        } else if (body.path("channel").isTextual()) {
            channels.add(body.get("channel").asText());
        }
        if (channels.isEmpty() || channels.size() > MAX_CHANNELS_PER_EVENT) {
            throw new ApiRefused(400, "An event names 1-" + MAX_CHANNELS_PER_EVENT + " channels, got " + channels.size());
        }
        List<Event> events = new ArrayList<>();
        for (String channel : channels) {
            ApiRefused.requireChannelName(channel);
            events.add(new Event(channel, name, data, socketId));
        }
        return events;
    }
}
