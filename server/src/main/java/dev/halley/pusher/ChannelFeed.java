package dev.halley.pusher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halley.hub.Hub;
import dev.halley.hub.Subscriber;
import dev.halley.hub.Subscription;
import dev.halley.message.Backlog;
import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One channel's feed into a {@link PusherConnection}: a hub subscriber whose callbacks, made on the
 * topic's owning loop, are handed to the connection's loop with {@code execute}, where everything
 * here runs.
 */
final class ChannelFeed implements Subscriber {

    private static final Logger log = LoggerFactory.getLogger(ChannelFeed.class);

    private final PusherConnection connection;
    private final ChannelName name;
    private final String userId;
    private final JsonNode userInfo;
    private Subscription subscription;
    /** Cleared on this connection's loop when the feed ends; hand-offs still queued then do nothing. */
    private boolean live = true;
    /** Set once subscription_succeeded is written: the app's registry knows this connection. */
    private boolean joined;

    ChannelFeed(PusherConnection connection, ChannelName name, String userId, JsonNode userInfo) {
        this.connection = connection;
        this.name = name;
        this.userId = userId;
        this.userInfo = userInfo;
    }

    /** Subscribes on the hub; {@code cursor} null for live events only. */
    void start(Hub hub, Topic topic, MessageId cursor) {
        subscription = hub.subscribe(topic, cursor, this);
    }

    ChannelName name() {
        return name;
    }

    String userId() {
        return userId;
    }

    /** Whether {@code subscription_succeeded} was written: the app's registry knows the connection. */
    boolean joined() {
        return joined;
    }

    /** On the connection's loop. */
    void stop() {
        live = false;
        subscription.cancel();
        if (joined) {
            connection.app().channels().leave(name.name(), connection);
        }
    }

    @Override
    public void onBacklog(Backlog backlog) {
        connection.loop().execute(() -> {
            if (!live) {
                return;
            }
            joined = true;
            String succeeded = connection.app().channels().join(name.name(), connection, userId, userInfo);
            connection.ctx().write(PusherConnection.text(Frames.subscriptionSucceeded(name.name(), succeeded)));
            if (name.cache()) {
                List<Message> history = backlog.messages();
                if (history.isEmpty()) {
                    connection.ctx().write(PusherConnection.text(Frames.cacheMiss(name.name())));
                } else {
                    write(history.get(history.size() - 1));
                }
            }
            connection.ctx().flush();
        });
    }

    @Override
    public void onMessage(Message message) {
        connection.loop().execute(() -> {
            if (!live || !joined) {
                return;
            }
            if (!connection.ctx().channel().isWritable()) {
                if (connection.ctx().channel().isActive()) {
                    log.debug("event=pusher_slow_consumer app={} socket_id={}", connection.app().app().id(), connection.socketId());
                    connection.closeWith(PusherGateway.OVER_CAPACITY, "Over capacity: the connection does not read its events");
                }
                return;
            }
            if (write(message)) {
                connection.ctx().flush();
            }
        });
    }

    @Override
    public void onFailure(Throwable cause) {
        connection.loop().execute(() -> {
            if (!live) {
                return;
            }
            log.info("event=pusher_subscription_failed app={} channel={} cause={}", connection.app().app().id(), name.name(), cause.toString());
            connection.closeWith(PusherGateway.PROTOCOL_ERROR, "Channel history unavailable, reconnect");
        });
    }

    /** Writes a stored event unless it excludes this socket; the frame is sliced out of the shared bytes. */
    private boolean write(Message message) {
        byte[] stored = message.json();
        if (Frames.excluded(stored).equals(connection.socketId())) {
            return false;
        }
        connection.ctx().write(new TextWebSocketFrame(Unpooled.wrappedBuffer(stored, Frames.frameStart(stored), Frames.frameLength(stored))));
        return true;
    }
}
