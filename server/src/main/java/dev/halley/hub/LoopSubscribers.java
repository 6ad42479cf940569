package dev.halley.hub;

import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
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

    final Map<Topic, TopicSubscribers> byTopic = new HashMap<>();
    /** Per mailbox, how far cursorless readers were handed its messages; see {@link Lease}. */
    final Map<Topic, Lease> leases = new HashMap<>();
    /** Topics this node follows, from their first subscription until they are unfollowed. */
    final Map<Topic, TopicFeed> feeds = new HashMap<>();
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
