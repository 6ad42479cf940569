package dev.halley.transport;

import dev.halley.hub.Online;
import dev.halley.hub.Subscriber;
import dev.halley.hub.Subscription;
import dev.halley.message.Backlog;
import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import dev.halley.presence.Member;
import dev.halley.presence.PresenceEvent;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subscriptions of one streaming connection (SSE or WebSocket) and the cursor of each.
 *
 * <p>Confined to the connection's loop. Hub callbacks arrive on each topic's owning loop and reach
 * this loop through that loop's {@link LoopOutbox}; per topic they stay in order because one
 * loop's hand-offs run in order. Writes are flushed once at the end of the loop's turn. A
 * subscriber whose unsent output passes the limit is disconnected rather than buffered without
 * bound: it resumes from its cursor, and nobody else waits for it.
 */
final class StreamSession implements LoopOutbox.Flushable {

    private static final Logger log = LoggerFactory.getLogger(StreamSession.class);
    private static final TopicFeed[] NONE = new TopicFeed[0];

    /** How one transport writes what the session decides to send. */
    interface Sink {
        void gap(Topic topic, MessageId cursor, String eventId);

        /**
         * Writes one message. {@code eventId} is null when the connection has a single
         * subscription: the event id is then the message's own id, the same for every subscriber,
         * so the sink may share one encoding among them.
         */
        void message(Message message, String eventId);

        /** Writes a join or leave event; only sessions with a watching {@link Member} get them. */
        default void presence(PresenceEvent event) {
            throw new UnsupportedOperationException("this transport carries no presence events");
        }

        void flush();
    }

    /**
     * What the session asks of the connection under it: a Netty channel, or the socket it is
     * held on once it has left Netty ({@link HeldSocket}). Called on the connection's loop.
     */
    interface Connection {
        /** False once the unsent output is past the limit, or the connection is closed. */
        boolean isWritable();

        boolean isOpen();

        void close();

        /** Who is at the other end, for log lines. */
        String describe();
    }

    /** A connection that is a Netty channel. */
    private record ChannelConnection(Channel channel) implements Connection {
        @Override
        public boolean isWritable() {
            return channel.isWritable();
        }

        @Override
        public boolean isOpen() {
            return channel.isActive();
        }

        @Override
        public void close() {
            channel.close();
        }

        @Override
        public String describe() {
            return String.valueOf(channel.remoteAddress());
        }
    }

    private Connection connection;
    private final EventLoop loop;
    private final Node node;
    private final Sink sink;
    /** Whose connection this is, for presence; null when anonymous. */
    private final Member member;
    /** This connection counted towards its client being online; null when anonymous. */
    private final Online online;
    /** In subscription order; a plain array because a connection rarely holds more than one. */
    private TopicFeed[] feeds = NONE;
    private boolean closed;
    private boolean flushQueued;

    StreamSession(Channel channel, Node node, Sink sink) {
        this(channel, node, sink, null);
    }

    /** @param member whose connection this is, for presence; null when anonymous */
    StreamSession(Channel channel, Node node, Sink sink, Member member) {
        this(channel.eventLoop(), node, sink, member);
        this.connection = new ChannelConnection(channel);
    }

    /**
     * A session on {@code loop} whose connection was never a Netty channel: {@link #movedTo}
     * gives it its connection before anything is subscribed.
     */
    StreamSession(EventLoop loop, Node node, Sink sink, Member member) {
        this.loop = loop;
        this.node = node;
        this.sink = sink;
        this.member = member;
        this.online = member == null ? null : node.hub().connect(member);
    }

    /** The connection now goes on over {@code held}, on the same loop; called on it. */
    void movedTo(Connection held) {
        connection = held;
    }

    /** Returns why the subscription was refused, or null. */
    String subscribe(Topic topic, MessageId cursor) {
        if (closed) {
            return "connection is closing";
        }
        if (indexOf(topic) >= 0) {
            return "already subscribed to " + topic;
        }
        if (feeds.length >= node.limits().maxSubscriptionsPerConnection()) {
            return "at most " + node.limits().maxSubscriptionsPerConnection() + " subscriptions per connection";
        }
        TopicFeed feed = new TopicFeed(topic, cursor);
        feeds = Arrays.copyOf(feeds, feeds.length + 1);
        feeds[feeds.length - 1] = feed;
        feed.subscription = node.hub().subscribe(topic, cursor, feed, member);
        return null;
    }

    /** Returns why nothing was unsubscribed, or null. */
    String unsubscribe(Topic topic) {
        int i = indexOf(topic);
        if (i < 0) {
            return "not subscribed to " + topic;
        }
        TopicFeed feed = feeds[i];
        TopicFeed[] rest = new TopicFeed[feeds.length - 1];
        System.arraycopy(feeds, 0, rest, 0, i);
        System.arraycopy(feeds, i + 1, rest, i, rest.length - i);
        feeds = rest;
        feed.stop();
        return null;
    }

    void close() {
        closed = true;
        if (online != null) {
            online.end();
        }
        for (TopicFeed f : feeds) {
            f.stop();
        }
        feeds = NONE;
    }

    @Override
    public void flushNow() {
        flushQueued = false;
        sink.flush();
    }

    private int indexOf(Topic topic) {
        for (int i = 0; i < feeds.length; i++) {
            if (feeds[i].topic.equals(topic)) {
                return i;
            }
        }
        return -1;
    }

    /** Flushes at the end of this loop's turn, with whatever else this turn writes here. */
    private void flushLater() {
        if (flushQueued) {
            return;
        }
        LoopOutbox outbox = LoopOutbox.current(loop.parent());
        if (outbox == null) {
            sink.flush();
            return;
        }
        flushQueued = true;
        outbox.flushLater(this);
    }

    /**
     * The id a client sends back to resume everything: the cursor itself when there is one
     * subscription, else {@code client:a=<id>,channel:x=<id>} over every known cursor.
     */
    private String eventId() {
        StringBuilder sb = new StringBuilder();
        for (TopicFeed f : feeds) {
            if (f.cursor == null) {
                continue;
            }
            if (feeds.length == 1) {
                return f.cursor.toString();
            }
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(f.topic).append('=').append(f.cursor);
        }
        return sb.toString();
    }

    /** Whether the connection cannot take more: closed, or too slow and now being closed. */
    private boolean tooSlow() {
        if (connection.isWritable()) {
            return false;
        }
        if (!connection.isOpen()) {
            // The peer went away; this is no slow consumer, and the connection's close ends the session.
            return true;
        }
        node.counters().rejected(NodeCounters.Reject.SLOW_CONSUMER);
        log.debug("event=slow_consumer remote={} pending_bytes_over={}", connection.describe(), node.limits().maxOutboundBytes());
        close();
        connection.close();
        return true;
    }

    /** One topic's feed into this connection. */
    private final class TopicFeed implements Subscriber {
        private final Topic topic;
        private MessageId cursor;
        private Subscription subscription;
        /** Cleared on this connection's loop when the feed ends; hand-offs still queued then do nothing. */
        private boolean live = true;

        TopicFeed(Topic topic, MessageId cursor) {
            this.topic = topic;
            this.cursor = cursor;
        }

        void stop() {
            live = false;
            subscription.cancel();
        }

        @Override
        public void onBacklog(Backlog backlog) {
            onConnectionLoop(() -> {
                if (!live) {
                    return;
                }
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
                flushLater();
            });
        }

        @Override
        public void onMessage(Message message) {
            if (loop.inEventLoop()) {
                // The topic's own loop is this connection's: no hand-off, no task object per delivery.
                deliver(message);
            } else {
                onConnectionLoop(() -> deliver(message));
            }
        }

        private void deliver(Message message) {
            if (live && send(message)) {
                flushLater();
            }
        }

        @Override
        public void onPresence(PresenceEvent event) {
            onConnectionLoop(() -> {
                if (live && !tooSlow()) {
                    sink.presence(event);
                    flushLater();
                }
            });
        }

        @Override
        public void onFailure(Throwable cause) {
            onConnectionLoop(() -> {
                if (!live) {
                    return;
                }
                // The client reconnects with its cursor and is served once the store is back.
                log.info("event=subscription_failed topic={} cause={}", topic, cause.toString());
                close();
                connection.close();
            });
        }

        private boolean send(Message m) {
            if (tooSlow()) {
                return false;
            }
            cursor = m.id();
            sink.message(m, feeds.length == 1 ? null : eventId());
            return true;
        }

        /**
         * Hub callbacks run on the topic's loop; everything this feed does runs on the connection's
         * (at once when that is the topic's loop too: {@link LoopOutbox#post} runs it in place).
         */
        private void onConnectionLoop(Runnable work) {
            LoopOutbox outbox = LoopOutbox.current(loop.parent());
            if (outbox == null) {
                loop.execute(work);
            } else {
                outbox.post(loop, work);
            }
        }
    }
}
