package dev.halley.hub;

import dev.halley.broker.Broker;
import dev.halley.loops.PerLoop;
import dev.halley.loops.Shards;
import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import io.netty.util.concurrent.EventExecutor;
import java.util.HashMap;
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
    private final PerLoop<LoopSubscribers> perLoop;
    private final LongAdder published = new LongAdder();
    private final LongAdder delivered = new LongAdder();

    public Hub(Shards shards, Broker broker) {
        this.shards = Objects.requireNonNull(shards, "shards");
        this.broker = Objects.requireNonNull(broker, "broker");
        this.perLoop = new PerLoop<>(shards, LoopSubscribers::new);
    }

    /** Connects the hub to its broker's stream of stored messages; call once before serving. */
    public void start() {
        broker.start(this::deliver);
    }

    /**
     * Stores a message through the broker. Completes once it is stored, with its id, or
     * exceptionally when it could not be; delivery happens afterwards and independently.
     */
    public CompletionStage<Message> publish(Topic topic, byte[] json) {
        CompletableFuture<Message> result = new CompletableFuture<>();
        perLoop.run(topic, loop -> broker.publish(topic, json).whenComplete((m, e) -> {
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
        perLoop.run(topic, loop -> register(subscription, cursor));
        return subscription;
    }

    /** On the owning loop: adds the subscription, then hands it the backlog from {@code cursor}. */
    private void register(HubSubscription subscription, MessageId cursor) {
        if (subscription.cancelled()) {
            return;
        }
        Topic topic = subscription.topic();
        EventExecutor owner = shards.loopOf(topic);
        perLoop.of(topic).add(subscription);
        broker.since(topic, cursor).whenComplete((backlog, e) -> {
            if (e != null) {
                owner.execute(() -> subscription.fail(e));
            } else if (owner.inEventLoop()) {
                subscription.backlog(backlog);
            } else {
                owner.execute(() -> subscription.backlog(backlog));
            }
        });
    }

    /**
     * Subscribes a reader that keeps no cursor (MegaComet's {@code /{id}.js}): it starts after
     * every message already handed to such a reader and not yet settled, so a quick re-poll on
     * another connection cannot be served the same messages while their first answer is in flight.
     */
    public Subscription subscribeConsuming(Topic topic, Subscriber subscriber) {
        HubSubscription subscription = new HubSubscription(this, topic, subscriber, true);
        perLoop.run(topic, loop -> {
            Lease lease = loop.leases.get(topic);
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
        Lease lease = perLoop.of(topic).leases.computeIfAbsent(topic, t -> new Lease());
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
        perLoop.run(topic, loop -> {
            Lease lease = loop.leases.get(topic);
            if (written) {
                broker.consume(topic, upTo);
            }
            if (lease == null) {
                return;
            }
            lease.unsettled--;
            if (!written && upTo.equals(lease.upTo)) {
                loop.leases.remove(topic);
            } else {
                loop.forgetSettledLease(topic);
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
        return perLoop.sum(2, LoopSubscribers::counts).thenCombine(broker.stats(), (counts, brokerStats) ->
                new HubStats(counts[0], counts[1], published.sum(), delivered.sum(), brokerStats));
    }

    void unregister(HubSubscription subscription) {
        Topic topic = subscription.topic();
        perLoop.run(topic, loop -> loop.remove(subscription));
    }

    /**
     * The broker's listener: may be called on any thread, also inside {@link Broker#publish}.
     * Delivery is always queued as a task of its own on the owning loop, never run inline, so a
     * publisher's acknowledgement never waits for the writes of a large fan-out.
     */
    private void deliver(Message message) {
        Topic topic = message.topic();
        perLoop.post(topic, loop -> {
            int handed = loop.deliver(message);
            if (handed > 0) {
                delivered.add(handed);
            }
        });
    }


    /** One loop's subscriptions; touched only on that loop. */
    private static final class LoopSubscribers {
        private final Map<Topic, TopicSubscribers> byTopic = new HashMap<>();
        /** Per mailbox, how far cursorless readers were handed its messages; see {@link Lease}. */
        private final Map<Topic, Lease> leases = new HashMap<>();
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
