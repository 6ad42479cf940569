package dev.halley.hub;

import dev.halley.broker.Broker;
import dev.halley.loops.PerLoop;
import dev.halley.loops.Shards;
import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import dev.halley.presence.ChannelPresence;
import dev.halley.presence.ClientPresence;
import dev.halley.presence.Member;
import dev.halley.presence.PresenceDirectory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 *
 * <p>Presence lives beside the subscriptions, on the same owning loops (see {@link HubPresence}).
 */
public final class Hub {

    /** How long a topic stays followed after its last subscription ended. */
    static final Duration UNFOLLOW_AFTER = Duration.ofSeconds(10);
    /**
     * Subscribers offered a message per fan-out slice: about a millisecond or two of writes, so a
     * publish waits at most that long behind the fan-out of earlier ones (a message is never split,
     * so a larger channel makes one slice of its own).
     */
    static final int SLICE_OFFERS = 1024;

    private final Shards shards;
    private final Broker broker;
    private final int maxFanoutWaiting;
    private final PerLoop<LoopSubscribers> perLoop;
    private final LongAdder published = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder deliveredMessages = new LongAdder();
    private final LongAdder caughtUp = new LongAdder();
    private final HubPresence presence;

    /**
     * @param maxFanoutWaiting deliveries a loop may have waiting to be written; past it, publishes to
     *     the loop's topics are refused with {@link FanoutBehind} until it has caught up below it
     */
    public Hub(Shards shards, Broker broker, int maxFanoutWaiting) {
        if (maxFanoutWaiting < 1) {
            throw new IllegalArgumentException("max fan-out waiting must be at least 1, got " + maxFanoutWaiting);
        }
        this.shards = Objects.requireNonNull(shards, "shards");
        this.broker = Objects.requireNonNull(broker, "broker");
        this.maxFanoutWaiting = maxFanoutWaiting;
        this.perLoop = new PerLoop<>(shards, () -> new LoopSubscribers(maxFanoutWaiting));
        this.presence = new HubPresence(shards, perLoop);
    }

    /** Connects the hub to its broker's stream of stored messages; call once before serving. */
    public void start() {
        broker.start(new Broker.Listener() {
            @Override
            public void onMessage(Message message) {
                deliver(message);
            }

            /*
             * Inline when already on the owning loop: the embedded broker says "live" from inside
             * follow, and so the first subscription's backlog is read in the task that registers
             * it, before anything published after the subscribe call is stored (see register).
             */
            @Override
            public void onLive(Topic topic) {
                perLoop.run(topic, loop -> live(loop, topic));
            }
        });
    }

    /**
     * Stores a message through the broker. Completes once it is stored, with its id, or
     * exceptionally when it could not be ({@link FanoutBehind} when {@link #fanoutBehind} says
     * so); delivery happens afterwards and independently.
     */
    public CompletionStage<Message> publish(Topic topic, byte[] json) {
        if (fanoutBehind(topic)) {
            return CompletableFuture.failedFuture(new FanoutBehind(topic, maxFanoutWaiting));
        }
        return store(topic, json);
    }

    /** One message of a batch: a JSON value for a topic. */
    public record Publication(Topic topic, byte[] json) {
    }

    /**
     * Stores a batch, admitted or refused whole: it fails with {@link FanoutBehind}, nothing
     * stored, when the loop of any of its topics is behind, and is never refused in part because its
     * own first entries put a loop past its limit. Completes with the stored messages in order, or
     * exceptionally when any could not be stored.
     */
    public CompletionStage<List<Message>> publishAll(List<Publication> batch) {
        for (Publication p : batch) {
            if (fanoutBehind(p.topic())) {
                return CompletableFuture.failedFuture(new FanoutBehind(p.topic(), maxFanoutWaiting));
            }
        }
        List<CompletableFuture<Message>> stored = new ArrayList<>(batch.size());
        for (Publication p : batch) {
            stored.add(store(p.topic(), p.json()));
        }
        return CompletableFuture.allOf(stored.toArray(CompletableFuture[]::new))
                .thenApply(done -> stored.stream().map(CompletableFuture::join).toList());
    }

    private CompletableFuture<Message> store(Topic topic, byte[] json) {
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
     * Whether the loop owning {@code topic} has more than the limit of deliveries waiting to be
     * written, so that a publish to it now would only lengthen every subscriber's wait. Any thread;
     * what it says may be a fan-out slice old.
     */
    public boolean fanoutBehind(Topic topic) {
        return perLoop.of(topic).refusing;
    }

    /**
     * Registers {@code subscriber} on {@code topic}, resuming after {@code cursor} ({@code null}:
     * no cursor, see {@link Broker#since}). The subscriber first gets the backlog, then live messages.
     */
    public Subscription subscribe(Topic topic, MessageId cursor, Subscriber subscriber) {
        return subscribe(topic, cursor, subscriber, null);
    }

    /**
     * {@link #subscribe(Topic, MessageId, Subscriber)} on behalf of {@code member} (null:
     * anonymous): on a channel, the member is present while the subscription lasts, and a watching
     * member is told when others join and leave.
     */
    public Subscription subscribe(Topic topic, MessageId cursor, Subscriber subscriber, Member member) {
        HubSubscription subscription = new HubSubscription(this, topic, subscriber, false, member);
        perLoop.run(topic, loop -> register(subscription, cursor));
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
        LoopSubscribers loop = perLoop.of(topic);
        loop.add(subscription);
        presence.join(loop, subscription);
        TopicFeed feed = loop.feeds.get(topic);
        if (feed == null) {
            feed = new TopicFeed();
            loop.feeds.put(topic, feed);
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

    /**
     * On the owning loop. Asked again when delivery was interrupted meanwhile (see {@link TopicFeed}).
     * A cursorless reader starts after the lease as it stands now, not as it stood when the reader
     * registered: another reader waiting for the topic to go live may have been handed the backlog since.
     */
    private void requestBacklog(HubSubscription subscription, MessageId cursor, TopicFeed feed) {
        if (subscription.cancelled()) {
            return;
        }
        Topic topic = subscription.topic();
        long generation = feed.generation;
        MessageId from = subscription.consuming() ? perLoop.of(topic).leasedUpTo(topic) : cursor;
        broker.since(topic, from).whenComplete((backlog, e) -> perLoop.run(topic, loop -> {
            if (e != null) {
                subscription.fail(e);
            } else if (feed.generation != generation) {
                requestBacklog(subscription, cursor, feed);
            } else {
                delivered.add(loop.backlog(subscription, backlog));
            }
        }));
    }

    /** On the owning loop: the broker says the topic is live (again); see {@link Broker.Listener#onLive}. */
    private void live(LoopSubscribers loop, Topic topic) {
        TopicFeed feed = loop.feeds.get(topic);
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
        catchUp(loop, topic, feed);
    }

    /**
     * On the owning loop: reads the log after the oldest position of the topic's subscriptions and
     * offers each entry to all of them (each skips what it already has). A gap (the log no longer
     * holds what the interruption cost, or Redis lost its data) ends the topic's subscriptions:
     * their clients come back with their cursors and are told {@code gap} exactly.
     */
    private void catchUp(LoopSubscribers loop, Topic topic, TopicFeed feed) {
        if (feed.catchingUp()) {
            feed.catchUpAgain = true;
            return;
        }
        MessageId from = loop.oldestPosition(topic);
        if (from == null) {
            return;
        }
        feed.heldDuringCatchUp = new ArrayList<>();
        broker.since(topic, from).whenComplete((backlog, e) -> perLoop.run(topic, same -> {
            List<Message> held = feed.heldDuringCatchUp;
            feed.heldDuringCatchUp = null;
            if (loop.feeds.get(topic) != feed) {
                return;
            }
            if (e != null || backlog.gap()) {
                loop.failAll(topic, e != null ? e
                        : new IllegalStateException("delivery of " + topic + " was interrupted past what its log keeps"));
            } else {
                caughtUp.add(backlog.messages().size());
                backlog.messages().forEach(m -> deliverNow(loop, m));
                held.forEach(m -> deliverNow(loop, m));
            }
            if (feed.catchUpAgain) {
                feed.catchUpAgain = false;
                catchUp(loop, topic, feed);
            }
        }));
    }

    /**
     * Subscribes a reader that keeps no cursor (MegaComet's {@code /{id}.js}): it starts after
     * every message already handed to such a reader and not yet settled, so a quick re-poll on
     * another connection cannot be served the same messages while their first answer is in flight.
     */
    public Subscription subscribeConsuming(Topic topic, Subscriber subscriber) {
        HubSubscription subscription = new HubSubscription(this, topic, subscriber, true, null);
        perLoop.run(topic, loop -> register(subscription, null));
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
        LoopSubscribers.Lease lease = perLoop.of(topic).leases.computeIfAbsent(topic, t -> new LoopSubscribers.Lease());
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
            LoopSubscribers.Lease lease = loop.leases.get(topic);
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

    /** Counters from every loop and the broker, gathered without stopping anyone. */
    public CompletionStage<HubStats> stats() {
        return perLoop.sum(LoopSubscribers.COUNTS, LoopSubscribers::counts).thenCombine(broker.stats(), (counts, brokerStats) ->
                new HubStats(counts[0], counts[1], published.sum(), delivered.sum(), deliveredMessages.sum(), caughtUp.sum(),
                        counts[2], counts[3], counts[4], brokerStats));
    }

    /**
     * From now on reports this node's presence changes to {@code directory} and answers presence
     * reads from it (cluster-wide). Call before serving, once: earlier presence is not reported.
     */
    public void sharePresence(PresenceDirectory directory) {
        presence.share(directory);
    }

    /**
     * The clients present on {@code channel} (on every node when presence is shared), listed when
     * there are at most {@code listLimit} of them, else only counted.
     */
    public CompletionStage<ChannelPresence> channelPresence(String channel, int listLimit) {
        return presence.channel(channel, listLimit);
    }

    /** Whether {@code client} has a connection (to any node when presence is shared), since when, and how many. */
    public CompletionStage<ClientPresence> clientPresence(String client) {
        return presence.client(client);
    }

    /**
     * Counts a connection of {@code member}'s client towards its being online; the returned handle
     * ends it (once, from any thread). A connection calls this once, however many topics it holds.
     */
    public Online connect(Member member) {
        return presence.connect(member);
    }

    void unregister(HubSubscription subscription) {
        Topic topic = subscription.topic();
        perLoop.run(topic, loop -> {
            loop.remove(subscription);
            presence.leave(loop, subscription);
            if (!loop.byTopic.containsKey(topic)) {
                unfollowLater(loop, topic);
            }
        });
    }

    /** On the owning loop: the topic has no subscriptions now; unfollow it unless one comes within {@link #UNFOLLOW_AFTER}. */
    private void unfollowLater(LoopSubscribers loop, Topic topic) {
        TopicFeed feed = loop.feeds.get(topic);
        if (feed == null || feed.idleSinceNanos != 0) {
            return;
        }
        long idleSince = System.nanoTime();
        feed.idleSinceNanos = idleSince;
        shards.loopOf(topic).schedule(() -> {
            if (loop.feeds.get(topic) == feed && feed.idleSinceNanos == idleSince && !loop.byTopic.containsKey(topic)) {
                loop.feeds.remove(topic);
                broker.unfollow(topic);
            }
        }, UNFOLLOW_AFTER.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * The broker's listener: may be called on any thread, also inside {@link Broker#publish}.
     * The message joins its owning loop's fan-out queue and is written out by {@link #fanOut} in a
     * task of its own, never inline, so a publisher's acknowledgement never waits for the writes of
     * a large fan-out.
     */
    private void deliver(Message message) {
        perLoop.run(message.topic(), loop -> {
            TopicSubscribers subs = loop.byTopic.get(message.topic());
            loop.queueFanout(message, subs == null ? 0 : subs.size());
            if (!loop.fanoutQueued) {
                loop.fanoutQueued = true;
                perLoop.post(message.topic(), this::fanOut);
            }
        });
    }

    /**
     * On the owning loop: delivers queued messages until about {@link #SLICE_OFFERS} subscribers
     * were offered one, then lets the loop poll its sockets before the next slice. A loop that
     * falls behind its fan-out so still reads, stores and answers publishes within a slice's time,
     * and each subscriber gets in one write everything queued for it in a slice.
     */
    private void fanOut(LoopSubscribers loop) {
        int offers = 0;
        Message message;
        while (offers < SLICE_OFFERS && (message = loop.nextToFanOut()) != null) {
            offers += 1 + deliverOrHold(loop, message);
        }
        LoopSubscribers.Waiting next = loop.fanout.peek();
        if (next == null) {
            loop.fanoutQueued = false;
        } else {
            perLoop.postAfterIo(next.message().topic(), this::fanOut);
        }
    }

    /** On the owning loop: how many subscriptions the message was offered to. */
    private int deliverOrHold(LoopSubscribers loop, Message message) {
        TopicFeed feed = loop.feeds.get(message.topic());
        if (feed != null && feed.catchingUp()) {
            feed.heldDuringCatchUp.add(message);
            return 0;
        }
        return deliverNow(loop, message);
    }

    /**
     * On the owning loop. {@code delivered} counts a subscriber's copy when it gets it: one held
     * back for a backlog on its way is counted when the backlog hands it over, not when the backlog
     * already holds it. For routing, a message counts once if any subscriber here got it or held it,
     * because either way this node read it for a subscriber that wanted it.
     */
    private int deliverNow(LoopSubscribers loop, Message message) {
        LoopSubscribers.Reach reach = loop.deliver(message);
        delivered.add(reach.handed());
        if (reach.wanted()) {
            deliveredMessages.increment();
        }
        if (!loop.byTopic.containsKey(message.topic())) {
            unfollowLater(loop, message.topic());
        }
        return reach.handed() + reach.held();
    }
}
