package dev.halley.broker;

import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivery by interest: the node {@code SSUBSCRIBE}s to the live channel of each topic it holds
 * subscribers of, and the publish script {@code SPUBLISH}es each stored message there. So a node
 * reads only the messages of its own topics, and Redis (not a registry of ours) knows which nodes
 * want which topic: a node that dies or is cut off drops out of it with its connection.
 *
 * <p>Why pub/sub is enough although it forgets: the topic's log stays the gap-free record, and
 * pub/sub only carries what is new. Lettuce subscribes again after a reconnect; each
 * confirmation, the first one and every later one, is passed on as {@link Broker.Listener#onLive},
 * after which the hub catches up from the log what the interruption may have cost. Sharded
 * pub/sub ({@code SSUBSCRIBE}, Redis 7) rather than {@code SUBSCRIBE} because in Redis Cluster a
 * sharded channel lives on its slot's shard, beside the topic's keys, and is published from
 * the same script.
 *
 * <p>A subscription that times out is not sent again at once: it is on the wire, and a slow Redis
 * answers it late. Sending it anew each retry interval lengthened the queue of a Redis that was
 * already behind, until the node's heap held nothing but timed-out commands. So a timed-out one is
 * sent again only if its confirmation has not come after {@link #UNANSWERED_RESEND_MILLIS}, or
 * when the connection is made again (Lettuce resubscribes only what was confirmed).
 *
 * <p>Threading: {@link #follow} and {@link #unfollow} may be called from any thread; listener
 * calls come on Lettuce's thread of the connection, in the order Redis sent them.
 */
final class LiveFeed implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LiveFeed.class);
    private static final String PREFIX = "halley:{";
    private static final String SUFFIX = "}:live";
    private static final long RETRY_MIN_MILLIS = 100;
    private static final long RETRY_MAX_MILLIS = 2000;
    /** Ten command timeouts: a Redis that slow is in trouble, and a resend then costs it little. */
    private static final long UNANSWERED_RESEND_MILLIS = 10 * RedisLink.COMMAND_TIMEOUT.toMillis();

    private final StatefulRedisPubSubConnection<byte[], byte[]> connection;
    private final ClientResources resources;
    private final Consumer<String> epochSeen;
    private final Set<Topic> followed = ConcurrentHashMap.newKeySet();
    /** Followed topics whose subscription Redis confirmed on the current connection or an earlier one. */
    private final Set<Topic> confirmed = ConcurrentHashMap.newKeySet();
    private final LongAdder received = new LongAdder();
    private volatile Broker.Listener listener;
    private volatile boolean closed;

    LiveFeed(StatefulRedisPubSubConnection<byte[], byte[]> connection, ClientResources resources, Consumer<String> epochSeen) {
        this.connection = connection;
        this.resources = resources;
        this.epochSeen = epochSeen;
    }

    void start(Broker.Listener listener) {
        this.listener = listener;
        connection.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void smessage(byte[] channel, byte[] message) {
                received.increment();
                dispatch(channel, message);
            }

            @Override
            public void ssubscribed(byte[] channel, long count) {
                Topic topic = topicOf(channel);
                if (topic == null) {
                    return;
                }
                if (followed.contains(topic)) {
                    confirmed.add(topic);
                    listener.onLive(topic);
                } else {
                    // Unfollowed while the confirmation was under way, or resubscribed by a reconnect after an unfollow that was refused.
                    connection.async().sunsubscribe(channel);
                }
            }
        });
        connection.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress address) {
                for (Topic topic : followed) {
                    if (!confirmed.contains(topic)) {
                        subscribe(topic, RETRY_MIN_MILLIS);
                    }
                }
            }
        });
    }

    static byte[] channelOf(Topic topic) {
        return RedisBroker.bytes(PREFIX + topic + SUFFIX);
    }

    void follow(Topic topic) {
        followed.add(topic);
        subscribe(topic, RETRY_MIN_MILLIS);
    }

    void unfollow(Topic topic) {
        if (followed.remove(topic)) {
            confirmed.remove(topic);
            connection.async().sunsubscribe(channelOf(topic));
        }
    }

    /** Commands are refused while Redis is unreachable, and a refused SSUBSCRIBE is not replayed by Lettuce: retry it ourselves. */
    private void subscribe(Topic topic, long retryMillis) {
        if (closed || !followed.contains(topic)) {
            return;
        }
        connection.async().ssubscribe(channelOf(topic)).whenComplete((done, failure) -> {
            if (failure == null) {
                return;
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause instanceof RedisCommandTimeoutException) {
                resources.eventExecutorGroup().schedule(() -> resendUnanswered(topic), UNANSWERED_RESEND_MILLIS, TimeUnit.MILLISECONDS);
            } else {
                resources.eventExecutorGroup().schedule(() -> subscribe(topic, Math.min(RETRY_MAX_MILLIS, retryMillis * 2)),
                        retryMillis, TimeUnit.MILLISECONDS);
            }
        });
    }

    private void resendUnanswered(Topic topic) {
        if (!confirmed.contains(topic)) {
            subscribe(topic, RETRY_MIN_MILLIS);
        }
    }

    /**
     * Subscribes every followed topic again. In Redis Cluster a failover or slot move leaves a
     * sharded subscription on a server that no longer owns the slot (or no longer exists), and
     * Lettuce does not move it; a new {@code SSUBSCRIBE} goes to the slot's owner now, and its
     * confirmation starts the usual catch-up.
     */
    void resubscribeAll() {
        log.info("event=live_resubscribing reason=topology_changed topics={}", followed.size());
        for (Topic topic : followed) {
            subscribe(topic, RETRY_MIN_MILLIS);
        }
    }

    boolean healthy() {
        return connection.isOpen();
    }

    /** Topics this node follows now. */
    int followedTopics() {
        return followed.size();
    }

    /** Messages read from Redis since start: the cost side of delivery by interest. */
    long received() {
        return received.sum();
    }

    /** {@code <epoch> <seq> <published_ms> <data>} on channel {@code halley:{<topic>}:live}. */
    private void dispatch(byte[] channel, byte[] payload) {
        Topic topic = topicOf(channel);
        int first = indexOf(payload, 0);
        int second = first < 0 ? -1 : indexOf(payload, first + 1);
        int third = second < 0 ? -1 : indexOf(payload, second + 1);
        if (topic == null || third < 0) {
            log.warn("event=live_message_skipped reason=malformed channel={}", RedisBroker.text(channel));
            return;
        }
        String epoch = new String(payload, 0, first, StandardCharsets.US_ASCII);
        long seq = Long.parseLong(new String(payload, first + 1, second - first - 1, StandardCharsets.US_ASCII));
        long publishedAt = Long.parseLong(new String(payload, second + 1, third - second - 1, StandardCharsets.US_ASCII));
        byte[] data = new byte[payload.length - third - 1];
        System.arraycopy(payload, third + 1, data, 0, data.length);
        epochSeen.accept(epoch);
        listener.onMessage(new Message(topic, new MessageId(epoch, seq), publishedAt, data));
    }

    private static int indexOf(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == ' ') {
                return i;
            }
        }
        return -1;
    }

    /** The topic a live channel belongs to, or null for a channel that is not Halley's. */
    static Topic topicOf(byte[] channel) {
        String name = RedisBroker.text(channel);
        if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX)) {
            return null;
        }
        String topic = name.substring(PREFIX.length(), name.length() - SUFFIX.length());
        int colon = topic.indexOf(':');
        if (colon <= 0 || colon == topic.length() - 1) {
            return null;
        }
        String kind = topic.substring(0, colon);
        String rest = topic.substring(colon + 1);
        if (kind.equals(Topic.Kind.CLIENT.word())) {
            return Topic.client(rest);
        }
        return kind.equals(Topic.Kind.CHANNEL.word()) ? Topic.channel(rest) : null;
    }

    @Override
    public void close() {
        closed = true;
        connection.close();
    }
}
