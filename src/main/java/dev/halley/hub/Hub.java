package dev.halley.hub;

import dev.halley.broker.Broker;
import dev.halley.broker.Shards;
import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;

/**
 * The transports' entry point: publish to a topic, subscribe to one, read the counters.
 *
 * <p>Every call may be made from any thread. Work for a topic runs on its owning loop (see
 * {@link Shards}); the hub hops there with {@code execute}, never with a lock. Subscribers are
 * called on that loop.
 */
public final class Hub {

    private final Shards shards;
    private final Broker broker;
    private final Shard[] shardState;
    private final LongAdder published = new LongAdder();
    private final LongAdder delivered = new LongAdder();

    public Hub(Shards shards, Broker broker) {
        this.shards = Objects.requireNonNull(shards, "shards");
        this.broker = Objects.requireNonNull(broker, "broker");
        this.shardState = new Shard[shards.count()];
        for (int i = 0; i < shardState.length; i++) {
            shardState[i] = new Shard();
        }
    }

    /** Connects the hub to its broker's stream of stored messages; call once before serving. */
    public void start() {
        broker.start(this::deliver);
    }

    public Shards shards() {
        return shards;
    }

    /**
     * Stores a message through the broker. Completes once it is stored, with its id, or
     * exceptionally when it could not be; delivery happens afterwards and independently.
     */
    public CompletionStage<Message> publish(Topic topic, byte[] json) {
        CompletableFuture<Message> result = new CompletableFuture<>();
        onOwner(topic, () -> broker.publish(topic, json).whenComplete((m, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            } else {
                published.increment();
                result.complete(m);
            }
        }));
        return result;
    }

    /**
     * Registers {@code subscriber} on {@code topic}, resuming after {@code cursor} ({@code null}:
     * no cursor, see {@link Broker#since}). The subscriber first gets the backlog, then live messages.
     */
    public Subscription subscribe(Topic topic, MessageId cursor, Subscriber subscriber) {
        HubSubscription subscription = new HubSubscription(this, topic, subscriber);
        EventExecutor owner = shards.loopOf(topic);
        onOwner(topic, () -> {
            if (subscription.cancelled()) {
                return;
            }
            shardState[shards.indexOf(topic)].add(subscription);
            broker.since(topic, cursor).whenComplete((backlog, e) -> {
                if (e != null) {
                    owner.execute(() -> subscription.fail(e));
                } else if (owner.inEventLoop()) {
                    subscription.backlog(backlog);
                } else {
                    owner.execute(() -> subscription.backlog(backlog));
                }
            });
        });
        return subscription;
    }

    /** Removes messages up to {@code upTo} from a topic: they reached a reader that keeps no cursor. */
    public void consume(Topic topic, MessageId upTo) {
        onOwner(topic, () -> broker.consume(topic, upTo));
    }

    /** Counters from every loop and the broker, gathered without stopping anyone. */
    public CompletionStage<HubStats> stats() {
        List<CompletableFuture<long[]>> perShard = new ArrayList<>();
        for (int i = 0; i < shardState.length; i++) {
            Shard shard = shardState[i];
            CompletableFuture<long[]> f = new CompletableFuture<>();
            shards.loop(i).execute(() -> f.complete(shard.counts()));
            perShard.add(f);
        }
        return CompletableFuture.allOf(perShard.toArray(CompletableFuture[]::new))
                .thenCombine(broker.stats(), (done, brokerStats) -> {
                    long subscriptions = 0;
                    long topics = 0;
                    for (CompletableFuture<long[]> f : perShard) {
                        subscriptions += f.join()[0];
                        topics += f.join()[1];
                    }
                    return new HubStats(subscriptions, topics, published.sum(), delivered.sum(), brokerStats);
                });
    }

    void unregister(HubSubscription subscription) {
        Topic topic = subscription.topic();
        onOwner(topic, () -> shardState[shards.indexOf(topic)].remove(subscription));
    }

    /**
     * The broker's listener: may be called on any thread, also inside {@link Broker#publish}.
     * Delivery is always queued as a task of its own on the owning loop, never run inline, so a
     * publisher's acknowledgement never waits for the writes of a large fan-out.
     */
    private void deliver(Message message) {
        Topic topic = message.topic();
        shards.loopOf(topic).execute(() -> {
            int handed = shardState[shards.indexOf(topic)].deliver(message);
            if (handed > 0) {
                delivered.add(handed);
            }
        });
    }

    private void onOwner(Topic topic, Runnable work) {
        EventExecutor owner = shards.loopOf(topic);
        if (owner.inEventLoop()) {
            work.run();
        } else {
            owner.execute(work);
        }
    }

    /** One loop's subscriptions; touched only on that loop. */
    private static final class Shard {
        private final Map<Topic, TopicSubscribers> byTopic = new HashMap<>();
        private long subscriptions;

        void add(HubSubscription s) {
            byTopic.computeIfAbsent(s.topic(), t -> new TopicSubscribers()).add(s);
            subscriptions++;
        }

        void remove(HubSubscription s) {
            TopicSubscribers subs = byTopic.get(s.topic());
            if (subs == null) {
                return;
            }
            int before = subs.size();
            subs.remove(s);
            subscriptions -= before - subs.size();
            if (subs.size() == 0) {
                byTopic.remove(s.topic());
            }
        }

        int deliver(Message message) {
            TopicSubscribers subs = byTopic.get(message.topic());
            if (subs == null) {
                return 0;
            }
            int handed = 0;
            // Walk from the end: a subscriber may cancel itself (a long-poll answered) during
            // offer, and swap-removal only ever moves an element from the end into its slot.
            for (int i = subs.size() - 1; i >= 0; i--) {
                if (i < subs.size() && subs.get(i).offer(message)) {
                    handed++;
                }
            }
            if (subs.size() == 0) {
                byTopic.remove(message.topic());
            }
            return handed;
        }

        long[] counts() {
            return new long[] {subscriptions, byTopic.size()};
        }
    }
}
