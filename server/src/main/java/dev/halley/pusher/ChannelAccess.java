package dev.halley.pusher;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;

/**
 * Whether a {@code pusher:subscribe} may join its channel: public channels always, private and
 * encrypted ones with the app's signature over {@code socket_id:channel}, presence ones with a
 * {@code channel_data} naming a {@code user_id} and the signature over it too. Pure; no Netty.
 */
final class ChannelAccess {

    /** What the subscription answers: granted (with the presence member, else nulls) or refused. */
    record Decision(boolean granted, String userId, JsonNode userInfo, int status, String refusal) {

        static Decision grant(String userId, JsonNode userInfo) {
            return new Decision(true, userId, userInfo, 200, null);
        }

        static Decision refuse(int status, String refusal) {
            return new Decision(false, null, null, status, refusal);
        }
    }

    private ChannelAccess() {
    }

    /** Decides for {@code name}, given the subscribe frame's {@code data}, on the connection {@code socketId}. */
    static Decision decide(PusherApp app, String socketId, ChannelName name, JsonNode data) {
        if (!name.signed()) {
            return Decision.grant(null, null);
        }
        String userId = null;
        JsonNode userInfo = null;
        // The server SDKs sign channel_data into any channel's auth when the app passes it.
        String channelData = data.path("channel_data").isTextual() ? data.get("channel_data").asText() : null;
        if (name.access() == ChannelName.Access.PRESENCE) {
            if (channelData == null) {
                return Decision.refuse(400, "Presence channels need channel_data with a user_id");
            }
            JsonNode member = parseOrNull(channelData);
            JsonNode id = member == null ? null : member.get("user_id");
            if (id == null || !(id.isTextual() || id.isIntegralNumber()) || id.asText().isEmpty()) {
                return Decision.refuse(400, "channel_data must be a JSON object with a user_id");
            }
            userId = id.asText();
            userInfo = member.get("user_info");
        }
        String auth = data.path("auth").isTextual() ? data.get("auth").asText() : null;
        if (!Signatures.channelAuthValid(app, auth, socketId, name.name(), channelData)) {
            return Decision.refuse(401, "Invalid signature for " + name.name());
        }
        return Decision.grant(userId, userInfo);
    }

    private static JsonNode parseOrNull(String json) {
        try {
            JsonNode node = Frames.MAPPER.readTree(json);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }
}
