package dev.halley.hub;

import dev.halley.message.Backlog;
import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import dev.halley.presence.PresenceEvent;
import dev.halley.presence.PresenceTable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One loop's subscriptions, leases and followed topics; touched only on that loop. */
final class LoopSubscribers {

    /**
     * How far a mailbox was handed to cursorless readers. It outlives the answers' settling while
     * the topic has subscribers: a delivery task queued before the hand-over may still offer the
     * same message to another waiting reader, which must skip it.
     */
    static final class Lease {
        MessageId upTo;
        int unsettled;
    }

    /**
     * What one live delivery reached on this loop.
     *
     * @param handed subscriptions that got the message now
     * @param held subscriptions that hold it until their backlog arrives (counted once they get it)
     */
    record Reach(int handed, int held) {
        boolean wanted() {
            return handed > 0 || held > 0;
        }
    }

    static final int COUNTS = 5;

    final Map<Topic, TopicSubscribers> byTopic = new HashMap<>();
    /** A stored message waiting for its fan-out, with the subscribers it had here when it came. */
    record Waiting(Message message, int offers) {
    }

    /** Stored messages of the topics this loop owns, oldest first, waiting for their fan-out here. */
    final ArrayDeque<Waiting> fanout = new ArrayDeque<>();
    /** Whether a fan-out slice is queued on this loop. */
    boolean fanoutQueued;
    /** Deliveries the waiting messages owe, counted when each came. */
    private long fanoutOffers;
    /** Written on this loop only, read by publishers on any thread: see {@link Hub#fanoutBehind}. */
    volatile boolean refusing;
    private final int maxFanoutWaiting;
    /** Per mailbox, how far cursorless readers were handed its messages; see {@link Lease}. */
    final Map<Topic, Lease> leases = new HashMap<>();
    /** Topics this node follows, from their first subscription until they are unfollowed. */
    final Map<Topic, TopicFeed> feeds = new HashMap<>();
    /** Who is present on the channels this loop owns. */
    final PresenceTable<Topic> channelPresence = new PresenceTable<>();
    /** The connected clients whose mailboxes this loop owns, keyed and named by client id. */
    final PresenceTable<String> online = new PresenceTable<>();
    private long subscriptions;

    /** @param maxFanoutWaiting past this many deliveries waiting here, publishes to this loop's topics are refused */
    LoopSubscribers(int maxFanoutWaiting) {
        this.maxFanoutWaiting = maxFanoutWaiting;
    }

    void queueFanout(Message message, int offers) {
        fanout.add(new Waiting(message, offers));
        fanoutOffers += offers;
        updateRefusing();
    }

    /** The oldest waiting message, taken off the queue, or null. */
    Message nextToFanOut() {
        Waiting w = fanout.poll();
        if (w == null) {
            return null;
        }
        fanoutOffers -= w.offers();
        updateRefusing();
        return w.message();
    }

    private void updateRefusing() {
        boolean over = fanoutOffers > maxFanoutWaiting;
        if (over != refusing) {
            refusing = over;
        }
    }

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

    /** Per channel, how many subscriptions here watch its joins and leaves. */
    final Map<Topic, Integer> watchers = new HashMap<>();

    /** Tells the watching subscriptions of {@code topic} of {@code event}. */
    void announce(Topic topic, PresenceEvent event) {
        TopicSubscribers subs = byTopic.get(topic);
        for (int i = 0; subs != null && i < subs.size(); i++) {
            subs.get(i).presence(event);
        }
    }

    Reach deliver(Message message) {
        TopicSubscribers subs = byTopic.get(message.topic());
        if (subs == null) {
            return new Reach(0, 0);
        }
        int handed = 0;
        int held = 0;
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
            switch (s.offer(message)) {
                case HANDED -> handed++;
                case HELD -> held++;
                case SKIPPED -> { }
            }
        }
        if (subs.size() == 0) {
            byTopic.remove(message.topic());
        }
        return new Reach(handed, held);
    }

    /**
     * Hands {@code s} its backlog; returns how many held-back messages it got with it. A cursorless
     * reader's backlog may have been read before another such reader was handed part of it (both
     * waited for the topic to go live, or the read took a while): it skips what is leased now.
     */
    int backlog(HubSubscription s, Backlog backlog) {
        if (!s.consuming()) {
            return s.backlog(backlog, m -> false);
        }
        List<Message> free = backlog.messages().stream().filter(m -> !leased(m)).toList();
        return s.backlog(new Backlog(free, backlog.gap(), backlog.cursor()), this::leased);
    }

    /** How far cursorless readers were handed {@code topic}, or null. */
    MessageId leasedUpTo(Topic topic) {
        Lease lease = leases.get(topic);
        return lease == null ? null : lease.upTo;
    }

    private boolean leased(Message message) {
        Lease lease = leases.get(message.topic());
        return lease != null && lease.upTo.sameEpoch(message.id()) && lease.upTo.seq() >= message.id().seq();
    }

    long[] counts() {
        return new long[] {subscriptions, byTopic.size(), channelPresence.keys(), online.keys(), fanoutOffers};
    }
}
