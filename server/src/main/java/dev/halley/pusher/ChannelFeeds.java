package dev.halley.pusher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halley.message.MessageId;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's subscriptions: applies {@code pusher:subscribe} and {@code pusher:unsubscribe}
 * and keeps the channel feeds, in a small array searched by name: a connection has one channel
 * or a few (at most the gateway's per-connection bound, 100), where a hash map's table and entries
 * would cost more than the linear search. Confined to the connection's loop.
 */
final class ChannelFeeds {

    private static final ChannelFeed[] NONE = new ChannelFeed[0];

    /**
     * A cursor from no real epoch: the broker answers it with all the history it keeps and a gap,
     * which is how a {@code cache-} subscriber learns the last event without knowing the epoch.
     */
    private static final MessageId BEFORE_ALL_HISTORY = new MessageId("pusherCache", 0);

    private static final Logger log = LoggerFactory.getLogger(ChannelFeeds.class);

    private ChannelFeed[] feeds = NONE;
    private int size;

    /**
     * Applies a {@code pusher:subscribe} of {@code connection}; returns a protocol error to report,
     * or null (a refused subscription answers itself with {@code pusher:subscription_error}).
     */
    String subscribe(PusherConnection connection, JsonNode data) {
        PusherGateway gateway = connection.gateway();
        PusherGateway.App app = connection.app();
        if (!data.path("channel").isTextual()) {
            return "pusher:subscribe needs data.channel";
        }
        String channel = data.get("channel").asText();
        String problem = ChannelName.problem(channel);
        if (problem != null) {
            return problem;
        }
        if (get(channel) != null) {
            return "Already subscribed to " + channel;
        }
        if (size >= gateway.maxChannelsPerConnection()) {
            refuseSubscription(connection, channel, 429, PusherGateway.OVER_CAPACITY,
                    "Over capacity: at most " + gateway.maxChannelsPerConnection() + " channels per connection");
            return null;
        }
        ChannelName name = ChannelName.of(channel);
        ChannelAccess.Decision access = ChannelAccess.decide(app.app(), connection.socketId(), name, data);
        if (!access.granted()) {
            refuseSubscription(connection, channel, access.status(), PusherGateway.UNAUTHORIZED, access.refusal());
            return null;
        }
        ChannelFeed feed = new ChannelFeed(connection, name, access.userId(), access.userInfo());
        add(feed);
        feed.start(gateway.hub(), gateway.topic(app.app(), channel), name.cache() ? BEFORE_ALL_HISTORY : null);
        return null;
    }

    private static void refuseSubscription(PusherConnection connection, String channel, int status, int code, String message) {
        log.debug("event=pusher_subscription_refused app={} channel={} status={}", connection.app().app().id(), channel, status);
        connection.ctx().write(PusherConnection.text(Frames.subscriptionError(channel, status, message)));
        connection.ctx().writeAndFlush(PusherConnection.text(Frames.error(code, message)));
    }

    /** Applies a {@code pusher:unsubscribe}; returns a protocol error to report, or null. */
    String unsubscribe(JsonNode data) {
        if (!data.path("channel").isTextual()) {
            return "pusher:unsubscribe needs data.channel";
        }
        ChannelFeed feed = remove(data.get("channel").asText());
        if (feed != null) {
            feed.stop();
        }
        return null;
    }

    /** The feed of {@code channel}, or null. */
    ChannelFeed get(String channel) {
        for (int i = 0; i < size; i++) {
            if (feeds[i].name().name().equals(channel)) {
                return feeds[i];
            }
        }
        return null;
    }

    /** Adds a feed for a channel not yet here. */
    private void add(ChannelFeed feed) {
        if (size == feeds.length) {
            feeds = Arrays.copyOf(feeds, Math.max(1, size * 2));
        }
        feeds[size++] = feed;
    }

    /** Removes and returns the feed of {@code channel}, or null. */
    private ChannelFeed remove(String channel) {
        for (int i = 0; i < size; i++) {
            ChannelFeed feed = feeds[i];
            if (feed.name().name().equals(channel)) {
                feeds[i] = feeds[--size];
                feeds[size] = null;
                return feed;
            }
        }
        return null;
    }

    /** Stops every feed and forgets them all. */
    void stopAll() {
        ChannelFeed[] stopping = Arrays.copyOf(feeds, size);
        feeds = NONE;
        size = 0;
        for (ChannelFeed feed : stopping) {
            feed.stop();
        }
    }
}
