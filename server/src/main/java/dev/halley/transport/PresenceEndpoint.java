package dev.halley.transport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.halley.message.Topic;
import dev.halley.presence.ChannelPresence;
import dev.halley.presence.ClientPresence;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Instant;
import java.util.concurrent.CompletionStage;

/**
 * {@code GET /presence/channel/{name}}: who is present on a channel, listed up to
 * {@link Limits#presenceListLimit}, counted only past it ({@code "truncated":true}).
 * {@code GET /presence/client/{id}}: whether a client is connected, since when, and how often.
 */
final class PresenceEndpoint {

    static final String CHANNEL_PATH = "/presence/channel/";
    static final String CLIENT_PATH = "/presence/client/";

    private PresenceEndpoint() {
    }

    /** Answers for {@code topic}, a channel or a client, whose name the router has checked. */
    static void answer(ChannelHandlerContext ctx, Node node, Topic topic, boolean keepAlive) {
        CompletionStage<ObjectNode> body = topic.kind() == Topic.Kind.CHANNEL
                ? node.hub().channelPresence(topic.name(), node.limits().presenceListLimit()).thenApply(PresenceEndpoint::channel)
                : node.hub().clientPresence(topic.name()).thenApply(PresenceEndpoint::client);
        body.whenComplete((json, failure) -> {
            if (failure != null) {
                Replies.error(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "presence unavailable: " + failure.getMessage(), keepAlive);
                return;
            }
            try {
                Replies.json(ctx, HttpResponseStatus.OK, Envelopes.MAPPER.writeValueAsBytes(json), keepAlive);
            } catch (JsonProcessingException e) {
                Replies.error(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "presence could not be encoded", keepAlive);
            }
        });
    }

    static ObjectNode channel(ChannelPresence p) {
        ObjectNode root = Envelopes.MAPPER.createObjectNode();
        root.put("channel", p.channel());
        root.put("count", p.count());
        root.put("truncated", p.truncated());
        var clients = root.putArray("clients");
        for (ClientPresence c : p.clients()) {
            ObjectNode entry = clients.addObject();
            entry.put("client", c.client());
            since(entry, c);
            entry.put("connections", c.connections());
        }
        return root;
    }

    static ObjectNode client(ClientPresence c) {
        ObjectNode root = Envelopes.MAPPER.createObjectNode();
        root.put("client", c.client());
        root.put("online", c.online());
        since(root, c);
        root.put("connections", c.connections());
        return root;
    }

    /** {@code "since"} as ISO-8601 and {@code "sinceMillis"} as epoch milliseconds; null when absent. */
    private static void since(ObjectNode node, ClientPresence c) {
        if (c.online()) {
            node.put("since", Instant.ofEpochMilli(c.sinceMillis()).toString());
            node.put("sinceMillis", c.sinceMillis());
        } else {
            node.putNull("since");
            node.putNull("sinceMillis");
        }
    }
}
