package dev.halley.broker;

import dev.halley.loops.PerLoop;
import dev.halley.loops.Shards;
import dev.halley.message.Backlog;
import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The embedded broker: every topic's log lives in memory on the loop that owns the topic.
 *
 * <p>Ids are {@code <epoch>-<seq>} where the epoch is fixed at start (so a restart is a new epoch)
 * and seq is drawn from a per-loop counter that never falls behind the clock in microseconds:
 * {@code seq = max(last + 1, nowMillis * 1000)}. Because seq follows time, a log that was evicted
 * once it had no messages can be recreated later without ever reusing an id, and its gap floor
 * is known: every message of the evicted incarnation was stored at least one time-to-live before.
 *
 * <p>Calls made off the owning loop hop onto it; on the loop they complete before returning.
 */
public final class LocalBroker implements Broker {

    static final long SEQ_PER_MILLI = 1000;

    private final BrokerOptions options;
    private final Clock clock;
    private final String epoch;
    private final PerLoop<LoopLogs> perLoop;
    private final List<ScheduledFuture<?>> sweeps = new ArrayList<>();
    private volatile Listener listener;

    public LocalBroker(Shards shards, BrokerOptions options, Clock clock) {
        this.options = Objects.requireNonNull(options, "options");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.epoch = Long.toString(clock.millis(), 36);
        this.perLoop = new PerLoop<>(Objects.requireNonNull(shards, "shards"), LoopLogs::new);
    }

    @Override
    public void start(Listener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        long periodMillis = options.sweepInterval().toMillis();
        perLoop.forEach((loop, logs) -> sweeps.add(loop.scheduleAtFixedRate(() -> logs.sweep(clock.millis()),
                periodMillis, periodMillis, TimeUnit.MILLISECONDS)));
    }

    public String epoch() {
        return epoch;
    }

    @Override
    public CompletionStage<Message> publish(Topic topic, byte[] json) {
        return perLoop.call(topic, logs -> {
            long now = clock.millis();
            Message message = new Message(topic, new MessageId(epoch, logs.nextSeq(now)), now, json);
            logs.store(topic, message.id().seq(), now, json);
            listener.onMessage(message);
            return message;
        });
    }

    /** Every message already reaches the listener, so a topic is live at once. */
    @Override
    public void follow(Topic topic) {
        listener.onLive(topic);
    }

    @Override
    public void unfollow(Topic topic) {
        // Nothing to stop: the embedded broker hands every message to its one hub.
    }

    @Override
    public CompletionStage<Backlog> since(Topic topic, MessageId cursor) {
        return perLoop.call(topic, logs -> logs.backlog(topic, cursor, clock.millis()));
    }

    @Override
    public void consume(Topic topic, MessageId upTo) {
        if (!upTo.epoch().equals(epoch)) {
            return;
        }
        perLoop.run(topic, logs -> logs.consume(topic, upTo.seq()));
    }

    @Override
    public CompletionStage<BrokerStats> stats() {
        return perLoop.sum(LoopLogs.COUNTS, LoopLogs::counts).thenApply(total ->
                new BrokerStats("local", "ok", epoch, total[0], total[1], total[2], total[3], total[4], -1, -1));
    }

    @Override
    public void close() {
        sweeps.forEach(s -> s.cancel(false));
    }

    /** One loop's logs; touched only on that loop. */
    private final class LoopLogs {
        static final int COUNTS = 5;

        /** Indexed by {@link Topic.Kind#ordinal()}. */
        private final TopicTable[] logs = {new TopicTable(), new TopicTable()};
        private long lastSeq;
        private long expired;
        private long dropped;

        long nextSeq(long nowMillis) {
            lastSeq = Math.max(lastSeq + 1, nowMillis * SEQ_PER_MILLI);
            return lastSeq;
        }

        /** The seq below which a topic created now cannot vouch for its history. */
        private long floorFor(Topic topic, long nowMillis) {
            long ttlMillis = options.retentionOf(topic.kind()).timeToLive().toMillis();
            return Math.max(0, (nowMillis - ttlMillis) * SEQ_PER_MILLI);
        }

        /** A position every later message of this loop lies strictly after. */
        private long head(long nowMillis) {
            return Math.max(lastSeq, nowMillis * SEQ_PER_MILLI - 1);
        }

        void store(Topic topic, long seq, long nowMillis, byte[] json) {
            Retention retention = options.retentionOf(topic.kind());
            if (retention.maxMessages() == 0) {
                dropped++;
                return;
            }
            TopicLog log = logs[topic.kind().ordinal()].computeIfAbsent(topic,
                    name -> new TopicLog(name, floorFor(topic, nowMillis)));
            expired += log.expire(nowMillis - retention.timeToLive().toMillis());
            dropped += log.append(seq, nowMillis, json, retention.maxMessages());
        }

        Backlog backlog(Topic topic, MessageId cursor, long nowMillis) {
            TopicLog log = logs[topic.kind().ordinal()].get(topic);
            if (log != null) {
                expired += log.expire(nowMillis - options.retentionOf(topic.kind()).timeToLive().toMillis());
            }
            boolean hasMessages = log != null && !log.isEmpty();
            MessageId headId = new MessageId(epoch, hasMessages ? log.newestSeq() : head(nowMillis));
            if (cursor == null) {
                if (topic.kind() == Topic.Kind.CHANNEL || !hasMessages) {
                    return Backlog.empty(headId);
                }
                return new Backlog(log.after(0, topic, epoch), false, headId);
            }
            if (!cursor.epoch().equals(epoch) || cursor.seq() > headId.seq()) {
                List<Message> all = hasMessages ? log.after(0, topic, epoch) : List.of();
                return new Backlog(all, true, headId);
            }
            long removedUpTo = log != null ? log.removedUpTo() : floorFor(topic, nowMillis);
            boolean gap = cursor.seq() < removedUpTo;
            List<Message> after = hasMessages ? log.after(cursor.seq(), topic, epoch) : List.of();
            return new Backlog(after, gap, after.isEmpty() ? (gap ? headId : cursor) : after.get(after.size() - 1).id());
        }

        void consume(Topic topic, long seq) {
            TopicLog log = logs[topic.kind().ordinal()].get(topic);
            if (log != null) {
                log.consume(seq);
            }
        }

        void sweep(long nowMillis) {
            for (Topic.Kind kind : Topic.Kind.values()) {
                long cutoffMillis = nowMillis - options.retentionOf(kind).timeToLive().toMillis();
                logs[kind.ordinal()].forEachThenRemoveEmpty(log -> expired += log.expire(cutoffMillis));
            }
        }

        /** Mailboxes and channels holding messages, messages held, expired and dropped, in the order of {@link BrokerStats}. */
        long[] counts() {
            long[] counts = {0, 0, 0, expired, dropped};
            for (Topic.Kind kind : Topic.Kind.values()) {
                int holders = kind == Topic.Kind.CLIENT ? 0 : 1;
                logs[kind.ordinal()].forEach(log -> {
                    if (!log.isEmpty()) {
                        counts[holders]++;
                        counts[2] += log.size();
                    }
                });
            }
            return counts;
        }
    }
}
