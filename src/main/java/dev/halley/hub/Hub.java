package dev.halley.hub;

import dev.halley.broker.Broker;
import dev.halley.broker.Shards;
import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The transports' entry point: publish to a topic, subscribe to one, read the counters.
 *
 * <p>Every call may be made from any thread. Work for a topic runs on its owning loop (see
 * {@link Shards}); the hub hops there with {@code execute}, never with a lock. Subscribers are
 * called on that loop.
 *
 * <p>Delivery by interest: the hub asks the broker to {@link Broker#follow follow} a topic when
 * the topic gets its first subscription on this node, and to unfollow it once it has had none for
 * {@link #UNFOLLOW_AFTER} (so a long-poll client that re-polls at once does not churn the
 * subscription). See {@link TopicFeed} for how a first subscription waits for the topic to be
 * live and how an interrupted delivery is caught up from the log.
 */
public final class Hub {

    /** How long a topic stays followed after its last subscription ended. */
    static final Duration UNFOLLOW_AFTER = Duration.ofSeconds(10);

    private final Shards shards;
    private final Broker broker;
    private final Shard[] shardState;
    private final LongAdder published = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder deliveredMessages = new LongAdder();
    private final LongAdder caughtUp = new LongAdder();

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
        broker.start(new Broker.Listener() {
            @Override
            public void onMessage(Message message) {
                deliver(message);
            }

            @Override
            public void onLive(Topic topic) {
                shards.loopOf(topic).execute(() -> live(topic));
            }
        });
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
        HubSubscription subscription = new HubSubscription(this, topic, subscriber, false);
        onOwner(topic, () -> register(subscription, cursor));
        return subscription;
    }

    /**
     * On the owning loop: adds the subscription, follows the topic if it is new here, and hands
     * the subscription its backlog from {@code cursor} once the topic is live.
     */
    private void register(HubSubscription subscription, MessageId cursor) {
        if (subscription.cancelled()) {
            return;
        }
        Topic topic = subscription.topic();
        Shard shard = shardState[shards.indexOf(topic)];
        shard.add(subscription);
        TopicFeed feed = shard.feeds.get(topic);
        if (feed == null) {
            feed = new TopicFeed();
            shard.feeds.put(topic, feed);
            broker.follow(topic);
        }
        feed.idleSinceNanos = 0;
        if (feed.live) {
            requestBacklog(subscription, cursor, feed);
        } else {
            TopicFeed waiting = feed;
            feed.waitingForLive.add(() -> requestBacklog(subscription, cursor, waiting));
        }
    }

    /** On the owning loop. Asked again when delivery was interrupted meanwhile (see {@link TopicFeed}). */
    private void requestBacklog(HubSubscription subscription, MessageId cursor, TopicFeed feed) {
        if (subscription.cancelled()) {
            return;
        }
        long generation = feed.generation;
        broker.since(subscription.topic(), cursor).whenComplete((backlog, e) -> onOwner(subscription.topic(), () -> {
            if (e != null) {
                subscription.fail(e);
            } else if (feed.generation != generation) {
                requestBacklog(subscription, cursor, feed);
            } else {
                subscription.backlog(backlog);
            }
        }));
    }

    /** On the owning loop: the broker says the topic is live (again); see {@link Broker.Listener#onLive}. */
    private void live(Topic topic) {
        TopicFeed feed = shardState[shards.indexOf(topic)].feeds.get(topic);
        if (feed == null) {
            return;
        }
        feed.generation++;
        if (!feed.live) {
            feed.live = true;
            List<Runnable> waiting = feed.waitingForLive;
            feed.waitingForLive = null;
            waiting.forEach(Runnable::run);
            return;
        }
        catchUp(topic, feed);
    }

    /**
     * On the owning loop: reads the log after the oldest position of the topic's subscriptions and
     * offers each entry to all of them (each skips what it already has). A gap (the log no longer
     * holds what the interruption cost, or Redis lost its data) ends the topic's subscriptions:
     * their clients come back with their cursors and are told {@code gap} exactly.
     */
    private void catchUp(Topic topic, TopicFeed feed) {
        if (feed.catchingUp()) {
            feed.catchUpAgain = true;
            return;
        }
        Shard shard = shardState[shards.indexOf(topic)];
        MessageId from = shard.oldestPosition(topic);
        if (from == null) {
            return;
        }
        feed.heldDuringCatchUp = new ArrayList<>();
        broker.since(topic, from).whenComplete((backlog, e) -> onOwner(topic, () -> {
            List<Message> held = feed.heldDuringCatchUp;
            feed.heldDuringCatchUp = null;
            if (shard.feeds.get(topic) != feed) {
                return;
            }
            if (e != null || backlog.gap()) {
                shard.failAll(topic, e != null ? e
                        : new IllegalStateException("delivery of " + topic + " was interrupted past what its log keeps"));
            } else {
                caughtUp.add(backlog.messages().size());
                backlog.messages().forEach(m -> deliverNow(shard, m));
                held.forEach(m -> deliverNow(shard, m));
            }
            if (feed.catchUpAgain) {
                feed.catchUpAgain = false;
                catchUp(topic, feed);
            }
        }));
    }

    /**
     * Subscribes a reader that keeps no cursor (MegaComet's {@code /{id}.js}): it starts after
     * every message already handed to such a reader and not yet settled, so a quick re-poll on
     * another connection cannot be served the same messages while their first answer is in flight.
     */
    public Subscription subscribeConsuming(Topic topic, Subscriber subscriber) {
        HubSubscription subscription = new HubSubscription(this, topic, subscriber, true);
        onOwner(topic, () -> {
            Lease lease = shardState[shards.indexOf(topic)].leases.get(topic);
            register(subscription, lease == null ? null : lease.upTo);
        });
        return subscription;
    }

    /**
     * Records that messages up to {@code upTo} were handed to a cursorless reader. Must be called
     * on the topic's owning loop, from the subscriber callback that answers with them.
     */
    public void handOver(Topic topic, MessageId upTo) {
        if (!shards.loopOf(topic).inEventLoop()) {
            throw new IllegalStateException("handOver must run on the owning loop of " + topic);
        }
        Lease lease = shardState[shards.indexOf(topic)].leases.computeIfAbsent(topic, t -> new Lease());
        if (lease.upTo == null || lease.upTo.compareTo(upTo) < 0) {
            lease.upTo = upTo;
        }
        lease.unsettled++;
    }

    /**
     * Settles a hand-over: when {@code written}, the messages are removed for good; otherwise the
     * lease is released and the next cursorless reader gets them again (at least once, never lost).
     */
    public void settle(Topic topic, MessageId upTo, boolean written) {
        onOwner(topic, () -> {
            Shard shard = shardState[shards.indexOf(topic)];
            Lease lease = shard.leases.get(topic);
            if (written) {
                broker.consume(topic, upTo);
            }
            if (lease == null) {
                return;
            }
            lease.unsettled--;
            if (!written && upTo.equals(lease.upTo)) {
                shard.leases.remove(topic);
            } else {
                shard.forgetSettledLease(topic);
            }
        });
    }

    /**
     * How far a mailbox was handed to cursorless readers. It outlives the answers' settling while
     * the topic has subscribers: a delivery task queued before the hand-over may still offer the
     * same message to another waiting reader, which must skip it.
     */
    private static final class Lease {
        MessageId upTo;
        int unsettled;
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
                    return new HubStats(subscriptions, topics, published.sum(), delivered.sum(), deliveredMessages.sum(),
                            caughtUp.sum(), brokerStats);
                });
    }

    void unregister(HubSubscription subscription) {
        Topic topic = subscription.topic();
        onOwner(topic, () -> {
            Shard shard = shardState[shards.indexOf(topic)];
            shard.remove(subscription);
            if (!shard.byTopic.containsKey(topic)) {
                unfollowLater(shard, topic);
            }
        });
    }

    /** On the owning loop: the topic has no subscriptions now; unfollow it unless one comes within {@link #UNFOLLOW_AFTER}. */
    private void unfollowLater(Shard shard, Topic topic) {
        TopicFeed feed = shard.feeds.get(topic);
        if (feed == null || feed.idleSinceNanos != 0) {
            return;
        }
        long idleSince = System.nanoTime();
        feed.idleSinceNanos = idleSince;
        shards.loopOf(topic).schedule(() -> {
            if (shard.feeds.get(topic) == feed && feed.idleSinceNanos == idleSince && !shard.byTopic.containsKey(topic)) {
                shard.feeds.remove(topic);
                broker.unfollow(topic);
            }
        }, UNFOLLOW_AFTER.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * The broker's listener: may be called on any thread, also inside {@link Broker#publish}.
     * Delivery is always queued as a task of its own on the owning loop, never run inline, so a
     * publisher's acknowledgement never waits for the writes of a large fan-out.
     */
    private void deliver(Message message) {
        Topic topic = message.topic();
        shards.loopOf(topic).execute(() -> {
            Shard shard = shardState[shards.indexOf(topic)];
            TopicFeed feed = shard.feeds.get(topic);
            if (feed != null && feed.catchingUp()) {
                feed.heldDuringCatchUp.add(message);
            } else {
                deliverNow(shard, message);
            }
        });
    }

    /** On the owning loop. A message counts as delivered once if it reached any subscriber. */
    private void deliverNow(Shard shard, Message message) {
        int handed = shard.deliver(message);
        if (handed > 0) {
            delivered.add(handed);
            deliveredMessages.increment();
        }
        if (!shard.byTopic.containsKey(message.topic())) {
            unfollowLater(shard, message.topic());
        }
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
        /** Per mailbox, how far cursorless readers were handed its messages; see {@link Lease}. */
        private final Map<Topic, Lease> leases = new HashMap<>();
        /** Topics this node follows, from their first subscription until they are unfollowed. */
        private final Map<Topic, TopicFeed> feeds = new HashMap<>();
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
                forgetSettledLease(s.topic());
            }
        }

        /** The oldest id handed to a subscription of {@code topic} that has had its backlog, or null. */
        MessageId oldestPosition(Topic topic) {
            TopicSubscribers subs = byTopic.get(topic);
            MessageId oldest = null;
            for (int i = 0; subs != null && i < subs.size(); i++) {
                MessageId p = subs.get(i).position();
                if (p != null && (oldest == null || p.compareTo(oldest) < 0)) {
                    oldest = p;
                }
            }
            return oldest;
        }

        /** Ends every subscription of {@code topic}; each is told so once. */
        void failAll(Topic topic, Throwable cause) {
            TopicSubscribers subs = byTopic.get(topic);
            List<HubSubscription> all = new ArrayList<>();
            for (int i = 0; subs != null && i < subs.size(); i++) {
                all.add(subs.get(i));
            }
            all.forEach(s -> s.fail(cause));
        }

        /** Drops a lease nobody needs any more: all its answers settled and nobody is subscribed. */
        void forgetSettledLease(Topic topic) {
            Lease lease = leases.get(topic);
            if (lease != null && lease.unsettled <= 0 && !byTopic.containsKey(topic)) {
                leases.remove(topic);
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
                if (i >= subs.size()) {
                    continue;
                }
                HubSubscription s = subs.get(i);
                // A message handed to one cursorless reader is that reader's: the others skip it.
                if (s.consuming() && leased(message)) {
                    continue;
                }
                if (s.offer(message)) {
                    handed++;
                }
            }
            if (subs.size() == 0) {
                byTopic.remove(message.topic());
            }
            return handed;
        }

        private boolean leased(Message message) {
            Lease lease = leases.get(message.topic());
            return lease != null && lease.upTo.sameEpoch(message.id()) && lease.upTo.seq() >= message.id().seq();
        }

        long[] counts() {
            return new long[] {subscriptions, byTopic.size()};
        }
    }
}
