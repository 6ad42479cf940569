package dev.halley.edge;

import dev.halley.hub.Subscriber;
import dev.halley.hub.Subscription;
import dev.halley.message.Backlog;
import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subscriptions of one streaming connection (SSE or WebSocket) and the cursor of each.
 *
 * <p>Confined to the connection's loop. Hub callbacks arrive on each topic's owning loop and are
 * handed here with {@code execute}; per topic they stay in order because one loop's tasks run in
 * order. A subscriber whose unsent output passes the limit is disconnected rather than buffered
 * without bound: it resumes from its cursor, and nobody else waits for it.
 */
final class StreamSession {

    private static final Logger log = LoggerFactory.getLogger(StreamSession.class);

    /** How one transport writes what the session decides to send. */
    interface Sink {
        void gap(Topic topic, MessageId cursor, String eventId);

        void message(Message message, String eventId);

        void flush();
    }

    private final Channel channel;
    private final EventLoop loop;
    private final Node node;
    private final Sink sink;
    private final Map<Topic, TopicFeed> feeds = new LinkedHashMap<>();
    private boolean closed;

    StreamSession(Channel channel, Node node, Sink sink) {
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.node = node;
        this.sink = sink;
    }

    /** Returns why the subscription was refused, or null. */
    String subscribe(Topic topic, MessageId cursor) {
        if (closed) {
            return "connection is closing";
        }
        if (feeds.containsKey(topic)) {
            return "already subscribed to " + topic;
        }
        if (feeds.size() >= node.limits().maxSubscriptionsPerConnection()) {
            return "at most " + node.limits().maxSubscriptionsPerConnection() + " subscriptions per connection";
        }
        TopicFeed feed = new TopicFeed(topic, cursor);
        feeds.put(topic, feed);
        feed.subscription = node.hub().subscribe(topic, cursor, feed);
        return null;
    }

    /** Returns why nothing was unsubscribed, or null. */
    String unsubscribe(Topic topic) {
        TopicFeed feed = feeds.remove(topic);
        if (feed == null) {
            return "not subscribed to " + topic;
        }
        feed.subscription.cancel();
        return null;
    }

    void close() {
        closed = true;
        feeds.values().forEach(f -> f.subscription.cancel());
        feeds.clear();
    }

    int size() {
        return feeds.size();
    }

    /**
     * The id a client sends back to resume everything: the cursor itself when there is one
     * subscription, else {@code client:a=<id>,channel:x=<id>} over every known cursor.
     */
    private String eventId() {
        StringBuilder sb = new StringBuilder();
        for (TopicFeed f : feeds.values()) {
            if (f.cursor == null) {
                continue;
            }
            if (feeds.size() == 1) {
                return f.cursor.toString();
            }
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(f.topic).append('=').append(f.cursor);
        }
        return sb.toString();
    }

    private boolean tooSlow() {
        if (channel.isWritable()) {
            return false;
        }
        node.counters().rejected(EdgeCounters.Reject.SLOW_CONSUMER);
        log.debug("event=slow_consumer remote={} pending_bytes_over={}", channel.remoteAddress(), node.limits().maxOutboundBytes());
        close();
        channel.close();
        return true;
    }

    /** One topic's feed into this connection. */
    private final class TopicFeed implements Subscriber {
        private final Topic topic;
        private MessageId cursor;
        private Subscription subscription;

        TopicFeed(Topic topic, MessageId cursor) {
            this.topic = topic;
            this.cursor = cursor;
        }

        @Override
        public void onBacklog(Backlog backlog) {
            onConnectionLoop(() -> {
                if (backlog.gap()) {
                    // With messages after the gap, the event id keeps the old cursor: a client
                    // that drops before reading them is told of the gap again, and loses nothing.
                    if (backlog.messages().isEmpty()) {
                        cursor = backlog.cursor();
                    }
                    sink.gap(topic, backlog.cursor(), eventId());
                }
                for (Message m : backlog.messages()) {
                    if (!send(m)) {
                        return;
                    }
                }
                cursor = backlog.cursor();
                sink.flush();
            });
        }

        @Override
        public void onMessage(Message message) {
            onConnectionLoop(() -> {
                if (send(message)) {
                    sink.flush();
                }
            });
        }

        @Override
        public void onFailure(Throwable cause) {
            onConnectionLoop(() -> {
                // The client reconnects with its cursor and is served once the store is back.
                log.info("event=subscription_failed topic={} cause={}", topic, cause.toString());
                close();
                channel.close();
            });
        }

        private boolean send(Message m) {
            if (tooSlow()) {
                return false;
            }
            cursor = m.id();
            sink.message(m, eventId());
            return true;
        }

        private void onConnectionLoop(Runnable work) {
            Runnable guarded = () -> {
                if (!closed && feeds.get(topic) == this) {
                    work.run();
                }
            };
            if (loop.inEventLoop()) {
                guarded.run();
            } else {
                loop.execute(guarded);
            }
        }
    }
}
