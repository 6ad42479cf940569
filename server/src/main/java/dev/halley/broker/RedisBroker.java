package dev.halley.broker;

import dev.halley.message.Backlog;
import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * The cluster broker: every topic's log is a Redis stream shared by all nodes, and every stored
 * message is announced on the topic's sharded pub/sub channel, which only the nodes that hold
 * subscribers of the topic listen to (see {@link LiveFeed}).
 *
 * <p>Each operation is one Lua script, so "assign the id, append to the log, trim, announce" is
 * atomic: ids are cluster-wide, seq strictly increases per topic, and each topic's channel carries
 * its messages in id order. The epoch lives in Redis ({@code halley:epoch}); when that key is
 * missing (Redis lost its data) the next script creates a new one, so old cursors get a gap. In
 * Redis Cluster each slot has its own epoch key, beside the topics of that slot (see {@link KeySpace}).
 *
 * <p>Threading: no method blocks. Completions and listener calls come on Lettuce's threads; the
 * hub hops to the owning loop. While Redis is unreachable, publish and since complete
 * exceptionally at once (commands are rejected, not queued), the state is {@code degraded}, and
 * Lettuce reconnects with a bounded exponential backoff.
 */
public final class RedisBroker implements Broker {

    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);

    /** How long a subscription waits for an unreachable Redis before it is given up. */
    static final Duration SINCE_RETRY_FOR = Duration.ofSeconds(30);
    private static final long RETRY_MIN_MILLIS = 100;
    private static final long RETRY_MAX_MILLIS = 2000;
    /**
     * A publish that Redis runs later than this after it was sent is refused by the script: by then
     * the node is about to answer 503 (its command timeout is longer), and a message stored after
     * its publisher was told "not stored" would come back as a duplicate when the publisher retries.
     * The margin to the command timeout absorbs clock skew between the node and Redis.
     */
    static final Duration PUBLISH_DEADLINE = RedisLink.COMMAND_TIMEOUT.minusSeconds(1);
    /** What {@code /status} says for the epoch in Redis Cluster, where each slot has its own. */
    static final String PER_SLOT = "per-slot";

    private final BrokerOptions options;
    private final ClientResources resources;
    /** Whether {@link #resources} are this broker's own, to shut down with it. */
    private final boolean ownResources;
    private final RedisLink link;
    private final KeySpace keys;
    private final RedisLink.Connection<byte[], byte[]> connection;
    private final RedisClusterAsyncCommands<byte[], byte[]> redis;
    private final RedisScripts scripts = new RedisScripts();
    private final LiveFeed live;
    /** Cluster only: topology changes (a failover) move sharded subscriptions; null on one server. */
    private final Disposable topologyChanges;
    private volatile String epoch;
    private volatile boolean closed;

    /**
     * Connects to Redis at {@code uri} ({@link RedisLink#parse}) with resources of its own; see
     * {@link #RedisBroker(BrokerOptions, String, ClientResources)}.
     */
    public RedisBroker(BrokerOptions options, String uri) {
        this(options, uri, RedisLink.resources(), true);
    }

    /**
     * Connects to Redis at {@code uri} ({@link RedisLink#parse}) on {@code resources}
     * ({@link RedisLink#resources}), which the caller shuts down after closing this broker; throws
     * when Redis cannot be reached now (a node does not start without its store), after which it
     * survives Redis going away and coming back.
     */
    public RedisBroker(BrokerOptions options, String uri, ClientResources resources) {
        this(options, uri, resources, false);
    }

    private RedisBroker(BrokerOptions options, String uri, ClientResources resources, boolean ownResources) {
        this.options = Objects.requireNonNull(options, "options");
        this.resources = Objects.requireNonNull(resources, "resources");
        this.ownResources = ownResources;
        this.link = RedisLink.open(uri, resources);
        this.keys = link.cluster() ? KeySpace.cluster() : KeySpace.singleServer();
        try {
            this.connection = link.connect(ByteArrayCodec.INSTANCE);
            this.redis = connection.async();
            this.epoch = keys.perSlot() ? PER_SLOT : startEpoch();
            this.live = new LiveFeed(link.connectPubSub(ByteArrayCodec.INSTANCE), resources, this::epochSeen);
            // The bus is the node's: the membership's client reports the same failover too, and a
            // second resubscription of every topic is harmless.
            this.topologyChanges = link.cluster() ? resources.eventBus().get()
                    .filter(event -> event instanceof ClusterTopologyChangedEvent)
                    .subscribe(event -> live.resubscribeAll()) : null;
        } catch (RuntimeException e) {
            shutdownClient();
            throw new IllegalStateException("cannot reach " + uri + ": " + e.getMessage(), e);
        }
        log.info("event=broker_connected kind={} uri={} epoch={}", kind(), uri, epoch);
    }

    private String kind() {
        return link.cluster() ? "redis-cluster" : "redis";
    }

    @Override
    public void start(Listener listener) {
        live.start(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public void follow(Topic topic) {
        live.follow(topic);
    }

    @Override
    public void unfollow(Topic topic) {
        live.unfollow(topic);
    }

    @Override
    public CompletionStage<Message> publish(Topic topic, byte[] json) {
        Retention retention = options.retentionOf(topic.kind());
        byte[][] scriptKeys = {keys.log(topic), keys.meta(topic), keys.epoch(topic), keys.stats(topic), keys.live(topic)};
        return RedisScripts.run(redis, scripts.publish, scriptKeys, bytes(retention.timeToLive().toMillis()),
                bytes(retention.maxMessages()), json, bytes(System.currentTimeMillis() + PUBLISH_DEADLINE.toMillis())).thenApply(answer -> {
                    String stored = text(answer.get(0));
                    epochSeen(stored);
                    MessageId id = new MessageId(stored, Long.parseLong(text(answer.get(1))));
                    return new Message(topic, id, Long.parseLong(text(answer.get(2))), json);
                });
    }

    /**
     * {@inheritDoc}
     *
     * <p>While Redis is unreachable this keeps trying, with backoff, for up to
     * {@link #SINCE_RETRY_FOR}: a subscriber that connects (or resumes) during an outage then gets
     * its backlog once Redis is back instead of a subscription that silently never starts. A held
     * long-poll is answered by its own timeout meanwhile.
     */
    @Override
    public CompletionStage<Backlog> since(Topic topic, MessageId cursor) {
        CompletableFuture<Backlog> result = new CompletableFuture<>();
        sinceAttempt(topic, cursor, System.nanoTime() + SINCE_RETRY_FOR.toNanos(), RETRY_MIN_MILLIS, result);
        return result;
    }

    private void sinceAttempt(Topic topic, MessageId cursor, long giveUpAtNanos, long retryMillis, CompletableFuture<Backlog> result) {
        Retention retention = options.retentionOf(topic.kind());
        byte[][] scriptKeys = {keys.log(topic), keys.meta(topic), keys.epoch(topic), keys.stats(topic)};
        RedisScripts.run(redis, scripts.since, scriptKeys, bytes(retention.timeToLive().toMillis()),
                bytes(retention.maxMessages()), bytes(cursor == null ? "" : cursor.epoch()),
                bytes(cursor == null ? 0 : cursor.seq())).whenComplete((answer, failure) -> {
                    if (failure == null) {
                        result.complete(backlog(topic, cursor, answer));
                    } else if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(retryMillis) > giveUpAtNanos || closed) {
                        result.completeExceptionally(failure);
                    } else {
                        resources.eventExecutorGroup().schedule(() -> sinceAttempt(topic, cursor, giveUpAtNanos,
                                Math.min(RETRY_MAX_MILLIS, retryMillis * 2), result), retryMillis, TimeUnit.MILLISECONDS);
                    }
                });
    }

    /** Decides the backlog from the since script's answer by the rules of {@link Broker#since}. */
    private Backlog backlog(Topic topic, MessageId cursor, List<Object> answer) {
        String current = text(answer.get(0));
        epochSeen(current);
        MessageId head = new MessageId(current, Long.parseLong(text(answer.get(1))));
        long removedUpTo = Long.parseLong(text(answer.get(2)));
        long from = Long.parseLong(text(answer.get(3)));
        List<Message> entries = new ArrayList<>((answer.size() - 4) / 3);
        for (int i = 4; i + 2 < answer.size(); i += 3) {
            MessageId id = new MessageId(current, Long.parseLong(text(answer.get(i))));
            entries.add(new Message(topic, id, Long.parseLong(text(answer.get(i + 1))), (byte[]) answer.get(i + 2)));
        }
        if (cursor == null) {
            if (topic.kind() == Topic.Kind.CHANNEL || entries.isEmpty()) {
                return Backlog.empty(head);
            }
            return new Backlog(entries, false, head);
        }
        boolean resumable = cursor.epoch().equals(current) && from == cursor.seq() && cursor.seq() <= head.seq();
        if (!resumable) {
            return new Backlog(entries, true, head);
        }
        boolean gap = cursor.seq() < removedUpTo;
        MessageId next = entries.isEmpty() ? (gap ? head : cursor) : entries.get(entries.size() - 1).id();
        return new Backlog(entries, gap, next);
    }

    @Override
    public void consume(Topic topic, MessageId upTo) {
        Retention retention = options.retentionOf(topic.kind());
        byte[][] scriptKeys = {keys.log(topic), keys.meta(topic), keys.epoch(topic)};
        RedisScripts.run(redis, scripts.consume, scriptKeys, bytes(upTo.epoch()), bytes(upTo.seq()),
                bytes(retention.timeToLive().toMillis())).whenComplete((removed, failure) -> {
                    if (failure != null) {
                        log.warn("event=consume_failed topic={} up_to={} cause={}", topic, upTo, failure.toString());
                    }
                });
    }

    @Override
    public CompletionStage<BrokerStats> stats() {
        CompletableFuture<BrokerStats> result = new CompletableFuture<>();
        if (keys.perSlot()) {
            // The counters are spread over 16384 slots; reading them all for every /status is not worth it.
            redis.ping().whenComplete((pong, failure) -> result.complete(new BrokerStats(kind(), state(failure == null), epoch,
                    -1, -1, -1, -1, -1, live.followedTopics(), live.received())));
            return result;
        }
        redis.hgetall(bytes(KeySpace.STATS_KEY)).whenComplete((fields, failure) -> {
            long expired = 0;
            long dropped = 0;
            if (fields != null) {
                for (Map.Entry<byte[], byte[]> e : fields.entrySet()) {
                    String name = text(e.getKey());
                    long value = Long.parseLong(text(e.getValue()));
                    if (name.equals("expired")) {
                        expired = value;
                    } else if (name.equals("dropped")) {
                        dropped = value;
                    }
                }
            }
            // Counting every topic cluster-wide would mean scanning Redis: those counts are -1 here.
            result.complete(new BrokerStats(kind(), state(failure == null), epoch, -1, -1, -1, expired, dropped,
                    live.followedTopics(), live.received()));
        });
        return result;
    }

    /** {@code ok} while both the command and the pub/sub connection work, else {@code degraded}. */
    private String state(boolean lastCommandWorked) {
        return lastCommandWorked && connection.stateful().isOpen() && live.healthy() ? "ok" : "degraded";
    }

    @Override
    public void close() {
        closed = true;
        if (topologyChanges != null) {
            topologyChanges.dispose();
        }
        live.close();
        connection.stateful().close();
        shutdownClient();
        log.info("event=broker_closed kind=redis");
    }

    private void shutdownClient() {
        link.close();
        if (ownResources) {
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }

    /** Creates the epoch if Redis has none (first node ever, or Redis lost its data) and reads it. */
    private String startEpoch() {
        String candidate = Long.toString(System.currentTimeMillis(), 36);
        try {
            redis.setnx(bytes(KeySpace.EPOCH_KEY), bytes(candidate)).get(RedisLink.COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return text(redis.get(bytes(KeySpace.EPOCH_KEY)).get(RedisLink.COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the epoch", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the epoch: " + e.getMessage(), e);
        }
    }

    /** In Redis Cluster every slot has an epoch of its own: no single one to follow or report. */
    private void epochSeen(String seen) {
        if (keys.perSlot()) {
            return;
        }
        String before = epoch;
        if (!seen.equals(before)) {
            epoch = seen;
            log.warn("event=epoch_changed from={} to={} reason=redis_lost_history", before, seen);
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] bytes(long n) {
        return bytes(Long.toString(n));
    }

    static String text(Object redisValue) {
        if (redisValue instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        return String.valueOf(redisValue);
    }
}
