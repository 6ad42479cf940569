package dev.halley.broker;

import dev.halley.message.Backlog;
import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster broker: every topic's log is a Redis stream shared by all nodes, and every stored
 * message is also appended to one bus stream that each node reads (see {@link BusReader}).
 *
 * <p>Each operation is one Lua script, so "assign the id, append to the log, trim, append to the
 * bus" is atomic: ids are cluster-wide, seq strictly increases per topic, and the bus carries each
 * topic's messages in id order. The epoch lives in Redis ({@code halley:epoch}); when that key is
 * missing (Redis lost its data) the next script creates a new one, so old cursors get a gap.
 *
 * <p>Threading: no method blocks. Completions and listener calls come on Lettuce's threads; the
 * hub hops to the owning loop. While Redis is unreachable, publish and since complete
 * exceptionally at once (commands are rejected, not queued), the state is {@code degraded}, and
 * Lettuce reconnects with a bounded exponential backoff.
 */
public final class RedisBroker implements Broker {

    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);

    static final String EPOCH_KEY = "halley:epoch";
    static final String STATS_KEY = "halley:stats";
    static final String BUS_KEY = "halley:bus";
    /** Bus entries kept (approximately): how far a node that lost Redis for a while can catch up. */
    static final int BUS_MAX_ENTRIES = 100_000;
    /** Bus entries older than this are trimmed (approximately) as well. */
    static final Duration BUS_MAX_AGE = Duration.ofMinutes(5);
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(3);
    /** How long a subscription waits for an unreachable Redis before it is given up. */
    static final Duration SINCE_RETRY_FOR = Duration.ofSeconds(30);
    private static final long RETRY_MIN_MILLIS = 100;
    private static final long RETRY_MAX_MILLIS = 2000;
    /**
     * Lettuce's I/O threads for the node (this broker and the node's cluster membership share
     * them, see {@link #resources()}). Lettuce pins each connection to one I/O thread, and a node
     * has two busy connections: commands (the publish and subscribe scripts) and the bus reader;
     * with two threads deliveries read from the bus never wait behind subscribe answers, nor the
     * reverse; the heartbeat's connection rides on one of them. More threads could not be used.
     */
    static final int IO_THREADS = 2;
    /**
     * Lettuce's computation threads: they run timers and small tasks here (command timeouts,
     * reconnect delays, subscribe and bus retries, the heartbeat). Two, as the broker had before it
     * shared them: with one, RedisRestartTest's recovery took 27-34 s instead of 9-14 s and once
     * missed its deadline (not traced further). Lettuce's default is max(2, cores) of each kind
     * per client, which on a many-core box, or 50 nodes on one box, is dozens of idle threads per
     * node, each with its stack and malloc arena.
     */
    static final int COMPUTATION_THREADS = 2;

    private final BrokerOptions options;
    private final ClientResources resources;
    private final RedisClient client;
    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final RedisAsyncCommands<byte[], byte[]> redis;
    private final RedisScripts scripts = new RedisScripts();
    private final BusReader bus;
    private volatile String epoch;
    private volatile boolean closed;

    /**
     * Connects to Redis at {@code uri}; throws when it cannot be reached now (a node does not
     * start without its store), after which it survives Redis going away and coming back.
     */
    public RedisBroker(BrokerOptions options, String uri) {
        this.options = Objects.requireNonNull(options, "options");
        this.resources = DefaultClientResources.builder()
                .ioThreadPoolSize(IO_THREADS)
                .computationThreadPoolSize(COMPUTATION_THREADS)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(2), 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, parseUri(uri));
        client.setOptions(clientOptions());
        try {
            this.connection = client.connect(ByteArrayCodec.INSTANCE);
            this.redis = connection.async();
            this.epoch = startEpoch();
            this.bus = new BusReader(client.connect(ByteArrayCodec.INSTANCE), resources, this::epochSeen);
        } catch (RuntimeException e) {
            shutdownClient();
            throw new IllegalStateException("cannot reach " + uri + ": " + e.getMessage(), e);
        }
        log.info("event=broker_connected kind=redis uri={} epoch={}", uri, epoch);
    }

    /** Parses and checks {@code redis://host:port}; the message of the exception is fit for a usage error. */
    public static RedisURI parseUri(String uri) {
        if (uri == null || !(uri.startsWith("redis://") || uri.startsWith("rediss://"))) {
            throw new IllegalArgumentException("--broker must be redis://host:port, got " + uri);
        }
        try {
            RedisURI parsed = RedisURI.create(uri);
            parsed.setTimeout(COMMAND_TIMEOUT);
            return parsed;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--broker must be redis://host:port, got " + uri + " (" + e.getMessage() + ")", e);
        }
    }

    /** Options shared by every Halley connection to Redis: fail fast while disconnected, reconnect forever. */
    public static ClientOptions clientOptions() {
        return ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                .build();
    }

    /**
     * The node's Lettuce threads, for other Redis clients of the same node to share (cluster
     * membership) instead of building their own; they stop when this broker is closed, so a
     * sharer must be closed first.
     */
    public ClientResources resources() {
        return resources;
    }

    @Override
    public void start(Listener listener) {
        bus.start(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public CompletionStage<Message> publish(Topic topic, byte[] json) {
        Retention retention = options.retentionOf(topic.kind());
        byte[][] keys = {logKey(topic), metaKey(topic), bytes(EPOCH_KEY), bytes(STATS_KEY), bytes(BUS_KEY)};
        return RedisScripts.run(redis, scripts.publish, keys, bytes(retention.timeToLive().toMillis()),
                bytes(retention.maxMessages()), bytes(topic.kind().word()), bytes(topic.name()), json,
                bytes(BUS_MAX_ENTRIES), bytes(BUS_MAX_AGE.toMillis())).thenApply(answer -> {
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
        byte[][] keys = {logKey(topic), metaKey(topic), bytes(EPOCH_KEY), bytes(STATS_KEY)};
        RedisScripts.run(redis, scripts.since, keys, bytes(retention.timeToLive().toMillis()),
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
        byte[][] keys = {logKey(topic), metaKey(topic), bytes(EPOCH_KEY)};
        RedisScripts.run(redis, scripts.consume, keys, bytes(upTo.epoch()), bytes(upTo.seq()),
                bytes(retention.timeToLive().toMillis())).whenComplete((removed, failure) -> {
                    if (failure != null) {
                        log.warn("event=consume_failed topic={} up_to={} cause={}", topic, upTo, failure.toString());
                    }
                });
    }

    @Override
    public CompletionStage<BrokerStats> stats() {
        CompletableFuture<BrokerStats> result = new CompletableFuture<>();
        redis.hgetall(bytes(STATS_KEY)).whenComplete((fields, failure) -> {
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
            result.complete(new BrokerStats("redis", state(failure == null), epoch, -1, -1, -1, expired, dropped));
        });
        return result;
    }

    /** {@code ok} while both the command and the bus connection work, else {@code degraded}. */
    private String state(boolean lastCommandWorked) {
        return lastCommandWorked && connection.isOpen() && bus.healthy() ? "ok" : "degraded";
    }

    @Override
    public void close() {
        closed = true;
        bus.close();
        connection.close();
        shutdownClient();
        log.info("event=broker_closed kind=redis");
    }

    private void shutdownClient() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    /** Creates the epoch if Redis has none (first node ever, or Redis lost its data) and reads it. */
    private String startEpoch() {
        String candidate = Long.toString(System.currentTimeMillis(), 36);
        connection.sync().setnx(bytes(EPOCH_KEY), bytes(candidate));
        return text(connection.sync().get(bytes(EPOCH_KEY)));
    }

    private void epochSeen(String seen) {
        String before = epoch;
        if (!seen.equals(before)) {
            epoch = seen;
            log.warn("event=epoch_changed from={} to={} reason=redis_lost_history", before, seen);
        }
    }

    static byte[] logKey(Topic topic) {
        return bytes("halley:{" + topic + "}:log");
    }

    static byte[] metaKey(Topic topic) {
        return bytes("halley:{" + topic + "}:meta");
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
