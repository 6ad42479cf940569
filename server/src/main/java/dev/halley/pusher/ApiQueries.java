package dev.halley.pusher;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * The read side of the Pusher HTTP API: {@code GET /apps/{id}/channels}, {@code /channels/{name}}
 * and {@code /channels/{name}/users}, answered from this node's {@link AppChannels}.
 */
final class ApiQueries {

    private ApiQueries() {
    }

    static String channels(PusherGateway.App app, Map<String, List<String>> params) throws ApiRefused {
        String prefix = ApiRefused.single(params, "filter_by_prefix");
        List<String> info = infoOf(params);
        if (info.contains("user_count") && (prefix == null || !prefix.startsWith("presence-"))) {
            throw new ApiRefused(400, "info=user_count needs filter_by_prefix=presence-");
        }
        ObjectNode root = Frames.MAPPER.createObjectNode();
        ObjectNode channels = root.putObject("channels");
        for (Map.Entry<String, AppChannels.Occupancy> e : app.channels().occupied(prefix == null ? "" : prefix).entrySet()) {
            ObjectNode attributes = channels.putObject(e.getKey());
            if (info.contains("user_count")) {
                attributes.put("user_count", e.getValue().userCount());
            }
            if (info.contains("subscription_count")) {
                attributes.put("subscription_count", e.getValue().subscriptionCount());
            }
        }
        return Frames.text(root);
    }

    static String channel(PusherGateway.App app, String channel, Map<String, List<String>> params) throws ApiRefused {
        List<String> info = infoOf(params);
        boolean presence = ChannelName.of(channel).access() == ChannelName.Access.PRESENCE;
        if (info.contains("user_count") && !presence) {
            throw new ApiRefused(400, "info=user_count is only for presence channels");
        }
        AppChannels.Occupancy occupancy = app.channels().occupancy(channel);
        ObjectNode root = Frames.MAPPER.createObjectNode().put("occupied", occupancy.subscriptionCount() > 0);
        if (info.contains("user_count")) {
            root.put("user_count", occupancy.userCount());
        }
        if (info.contains("subscription_count")) {
            root.put("subscription_count", occupancy.subscriptionCount());
        }
        return Frames.text(root);
    }

    static String users(PusherGateway.App app, String channel) throws ApiRefused {
        if (ChannelName.of(channel).access() != ChannelName.Access.PRESENCE) {
            throw new ApiRefused(400, "Users are only listed for presence channels");
        }
        ObjectNode root = Frames.MAPPER.createObjectNode();
        ArrayNode users = root.putArray("users");
        for (String id : app.channels().users(channel)) {
            users.addObject().put("id", id);
        }
        return Frames.text(root);
    }

    private static List<String> infoOf(Map<String, List<String>> params) {
        String info = ApiRefused.single(params, "info");
        return info == null ? List.of() : List.of(info.split(","));
    }
}
