package dev.halley.pusher;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;

/**
 * {@code client-*} events: checked against the app's rules, then stored on the channel's hub topic
 * marked with the sender's socket id, so every other subscriber gets it and the sender does not.
 * Runs on the sending connection's loop.
 */
final class ClientEvents {

    private ClientEvents() {
    }

    /**
     * Relays {@code event} (its {@code frame} as the client sent it) from the connection
     * {@code socketId}, whose feed of the named channel is {@code feed} (null when it has none).
     * Returns the {@code pusher:error} frame to answer with, or null when relayed.
     */
    static String relay(PusherGateway gateway, PusherGateway.App app, String socketId, ChannelFeed feed, JsonNode frame,
            String event) {
        String channel = frame.path("channel").asText("");
        String refusal = null;
        if (!app.app().clientEvents()) {
            refusal = "Client events are not enabled for this app";
        } else if (feed == null || !feed.joined()) {
            refusal = "Client event rejected: not subscribed to '" + Frames.abbreviate(channel) + "'";
        } else if (!feed.name().takesClientEvents()) {
            refusal = "Client event rejected: client events are only supported on private and presence channels";
        } else if (event.length() > ChannelName.MAX_LENGTH) {
            refusal = "Client event rejected: an event name is at most " + ChannelName.MAX_LENGTH + " characters";
        }
        if (refusal != null) {
            return Frames.error(PusherGateway.UNAUTHORIZED, refusal);
        }
        JsonNode data = frame.path("data");
        if (Frames.text(data).getBytes(StandardCharsets.UTF_8).length > app.app().maxEventBytes()) {
            return Frames.error(PusherGateway.PROTOCOL_ERROR, "Client event rejected: data is larger than "
                    + app.app().maxEventBytes() + " bytes");
        }
        String userId = feed.name().access() == ChannelName.Access.PRESENCE ? feed.userId() : null;
        gateway.hub().publish(gateway.topic(app.app(), channel), Frames.stored(socketId, channel, event, data, userId));
        if (app.webhooks() != null) {
            app.webhooks().clientEvent(channel, event, data, socketId, userId);
        }
        return null;
    }
}
