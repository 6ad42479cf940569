package dev.halley.broker;

import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the bus stream, where every node's publish script appends every stored message, and hands
 * each entry to the listener: each node reads each message exactly once, in bus order (which is id
 * order per topic, since the script appends atomically).
 *
 * <p>Why a stream and not PUBLISH: pub/sub forgets what it sent while a node was disconnected.
 * The reader keeps the id of the last entry it handed on and resumes after it, so a node that lost
 * Redis for a while delivers what was stored meanwhile (as long as the bus, capped at
 * {@link RedisBroker#BUS_MAX_ENTRIES}, still holds it). It uses its own connection because
 * {@code XREAD BLOCK} holds a connection for up to {@link #BLOCK}.
 */
final class BusReader implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BusReader.class);
    private static final Duration BLOCK = Duration.ofSeconds(1);
    private static final int BATCH = 1000;
    private static final long RETRY_MIN_MILLIS = 100;
    private static final long RETRY_MAX_MILLIS = 2000;

    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final ClientResources resources;
    private final Consumer<String> epochSeen;
    private volatile Broker.Listener listener;
    private volatile boolean healthy = true;
    private volatile boolean closed;
    private String lastId;
    private long retryMillis = RETRY_MIN_MILLIS;

    /** Starts at the bus's current end: a node delivers what is stored after it started. */
    BusReader(StatefulRedisConnection<byte[], byte[]> connection, ClientResources resources, Consumer<String> epochSeen) {
        this.connection = connection;
        this.resources = resources;
        this.epochSeen = epochSeen;
        List<StreamMessage<byte[], byte[]>> newest = connection.sync().xrevrange(RedisBroker.bytes(RedisBroker.BUS_KEY),
                Range.create("-", "+"), Limit.from(1));
        this.lastId = newest.isEmpty() ? "0-0" : newest.get(0).getId();
    }

    void start(Broker.Listener listener) {
        this.listener = listener;
        read();
    }

    boolean healthy() {
        return healthy;
    }

    /** One XREAD at a time; the next is issued from this one's completion, on Lettuce's thread. */
    private void read() {
        if (closed) {
            return;
        }
        connection.async().xread(XReadArgs.Builder.block(BLOCK).count(BATCH), busFrom(lastId)).whenComplete((entries, failure) -> {
                    if (closed) {
                        return;
                    }
                    if (failure != null) {
                        retryLater(failure);
                        return;
                    }
                    if (!healthy) {
                        healthy = true;
                        retryMillis = RETRY_MIN_MILLIS;
                        log.info("event=bus_recovered last_id={}", lastId);
                    }
                    for (StreamMessage<byte[], byte[]> entry : entries) {
                        lastId = entry.getId();
                        dispatch(entry.getBody());
                    }
                    read();
                });
    }

    /** Lettuce takes offsets as generic varargs; an explicit one-element array avoids the unchecked varargs call. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static XReadArgs.StreamOffset<byte[]>[] busFrom(String id) {
        return new XReadArgs.StreamOffset[] {XReadArgs.StreamOffset.from(RedisBroker.bytes(RedisBroker.BUS_KEY), id)};
    }

    private void retryLater(Throwable failure) {
        if (healthy) {
            healthy = false;
            log.warn("event=bus_unreachable cause={}", failure.toString());
        }
        long delay = retryMillis;
        retryMillis = Math.min(RETRY_MAX_MILLIS, retryMillis * 2);
        resources.eventExecutorGroup().schedule(this::read, delay, TimeUnit.MILLISECONDS);
    }

    private void dispatch(Map<byte[], byte[]> fields) {
        String kind = null;
        String name = null;
        String epoch = null;
        long seq = -1;
        long publishedAt = 0;
        byte[] data = null;
        for (Map.Entry<byte[], byte[]> f : fields.entrySet()) {
            String key = RedisBroker.text(f.getKey());
            switch (key) {
                case "k" -> kind = RedisBroker.text(f.getValue());
                case "n" -> name = RedisBroker.text(f.getValue());
                case "e" -> epoch = RedisBroker.text(f.getValue());
                case "s" -> seq = Long.parseLong(RedisBroker.text(f.getValue()));
                case "t" -> publishedAt = Long.parseLong(RedisBroker.text(f.getValue()));
                case "d" -> data = f.getValue();
                default -> { }
            }
        }
        if (kind == null || name == null || epoch == null || seq < 0 || data == null) {
            log.warn("event=bus_entry_skipped reason=incomplete last_id={}", lastId);
            return;
        }
        Topic topic = kind.equals(Topic.Kind.CLIENT.word()) ? Topic.client(name) : Topic.channel(name);
        epochSeen.accept(epoch);
        listener.onMessage(new Message(topic, new MessageId(epoch, seq), publishedAt, data));
    }

    @Override
    public void close() {
        closed = true;
        connection.close();
    }
}
