package dev.halley.pusher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One app's channels on this node: which connections are subscribed to each, and on presence
 * channels which users are present, one member per user id however many connections the user has.
 *
 * <p>Called from every connection's loop; one lock per app keeps a join's member list and the
 * member events others receive consistent with each other. Only subscribing and leaving take it,
 * never an event's delivery; webhooks are only queued under it (this node's occupancy and members). Frames to other connections are handed to their loops inside the
 * lock, so each connection sees member events in the order the list changed.
 */
final class AppChannels {

    /** A subscribed connection as the registry sees it. */
    interface Listener {
        /** Queues a frame on the connection's own loop; may be called from any thread. */
        void send(String frame);
    }

    /** The counts the HTTP API reports for one channel. */
    record Occupancy(int subscriptionCount, int userCount) {
    }

    private static final class Channel {
        final Map<Listener, String> subscribers = new LinkedHashMap<>();
        /** user id → the user's info and how many of its connections are here; presence channels only. */
        final Map<String, Member> members = new LinkedHashMap<>();
    }

    private static final class Member {
        final JsonNode info;
        int connections;

        Member(JsonNode info) {
            this.info = info;
        }
    }

    private final Map<String, Channel> channels = new HashMap<>();
    /** Null when the app has no webhook. */
    private final Webhooks webhooks;

    AppChannels(Webhooks webhooks) {
        this.webhooks = webhooks;
    }

    /**
     * Adds {@code listener} to {@code channel}; on presence channels as {@code userId}
     * ({@code null} elsewhere). Returns the {@code subscription_succeeded} data: the member list
     * with this user in it, or {@code {}}. A user's first connection is announced to the others.
     */
    synchronized String join(String channel, Listener listener, String userId, JsonNode userInfo) {
        Channel c = channels.get(channel);
        if (c == null) {
            c = new Channel();
            channels.put(channel, c);
            if (webhooks != null) {
                webhooks.channelOccupied(channel);
            }
        }
        c.subscribers.put(listener, userId == null ? "" : userId);
        if (userId == null) {
            return "{}";
        }
        Member member = c.members.get(userId);
        if (member == null) {
            member = new Member(userInfo);
            c.members.put(userId, member);
            if (webhooks != null) {
                webhooks.memberAdded(channel, userId);
            }
            String added = Frames.memberAdded(channel, userId, userInfo);
            for (Listener other : c.subscribers.keySet()) {
                if (other != listener) {
                    other.send(added);
                }
            }
        }
        member.connections++;
        return presenceData(c);
    }

    /** Removes {@code listener}; a user's last connection leaving is announced to those remaining. */
    synchronized void leave(String channel, Listener listener) {
        Channel c = channels.get(channel);
        if (c == null) {
            return;
        }
        String userId = c.subscribers.remove(listener);
        if (userId != null && !userId.isEmpty()) {
            Member member = c.members.get(userId);
            if (member != null && --member.connections == 0) {
                c.members.remove(userId);
                if (webhooks != null) {
                    webhooks.memberRemoved(channel, userId);
                }
                String removed = Frames.memberRemoved(channel, userId);
                for (Listener other : c.subscribers.keySet()) {
                    other.send(removed);
                }
            }
        }
        if (c.subscribers.isEmpty()) {
            channels.remove(channel);
            if (webhooks != null) {
                webhooks.channelVacated(channel);
            }
        }
    }

    /** Occupied channels whose name starts with {@code prefix}, by name. */
    synchronized Map<String, Occupancy> occupied(String prefix) {
        Map<String, Occupancy> found = new TreeMap<>();
        for (Map.Entry<String, Channel> e : channels.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                found.put(e.getKey(), new Occupancy(e.getValue().subscribers.size(), e.getValue().members.size()));
            }
        }
        return found;
    }

    /** The channel's counts; zero when nobody is subscribed. */
    synchronized Occupancy occupancy(String channel) {
        Channel c = channels.get(channel);
        return c == null ? new Occupancy(0, 0) : new Occupancy(c.subscribers.size(), c.members.size());
    }

    /** The ids of the users present on a presence channel, in joining order. */
    synchronized List<String> users(String channel) {
        Channel c = channels.get(channel);
        return c == null ? List.of() : new ArrayList<>(c.members.keySet());
    }

    /** {@code {"presence":{"ids":[...],"hash":{id:info},"count":n}}}, as pusher-js reads it. */
    private static String presenceData(Channel c) {
        ObjectNode root = Frames.MAPPER.createObjectNode();
        ObjectNode presence = root.putObject("presence");
        ArrayNode ids = presence.putArray("ids");
        ObjectNode hash = presence.putObject("hash");
        for (Map.Entry<String, Member> e : c.members.entrySet()) {
            ids.add(e.getKey());
            hash.set(e.getKey(), e.getValue().info == null ? Frames.MAPPER.nullNode() : e.getValue().info);
        }
        presence.put("count", c.members.size());
        return Frames.text(root);
    }
}
