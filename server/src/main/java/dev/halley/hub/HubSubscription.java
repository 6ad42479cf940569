package dev.halley.hub;

import dev.halley.message.Backlog;
import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import dev.halley.presence.Member;
import dev.halley.presence.PresenceEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * One subscription's state on its topic's owning loop.
 *
 * <p>Until the broker's backlog arrives, live messages are held back; once it has been handed
 * over, held and later messages are delivered only if they lie after the last id delivered. That
 * one rule gives exactly-once across the backlog/live seam whether the broker answers at once
 * (embedded) or later (Redis).
 */
final class HubSubscription implements Subscription {

    /** What became of a message offered to a subscription. */
    enum Offer {
        /** The subscriber got it now. */
        HANDED,
        /** Kept until the backlog arrives; it may yet be handed, or dropped as the backlog holds it. */
        HELD,
        /** Not for this subscription (already had, or cancelled). */
        SKIPPED
    }

    private final Hub hub;
    private final Topic topic;
    private final Subscriber subscriber;
    private final boolean consuming;
    private final Member member;
    int slot = -1;
    /** Set on the owning loop once the subscription counts towards its channel's presence. */
    boolean present;
    private volatile boolean cancelled;
    private MessageId lastDelivered;
    private List<Message> heldBack = new ArrayList<>();

    HubSubscription(Hub hub, Topic topic, Subscriber subscriber, boolean consuming, Member member) {
        this.hub = hub;
        this.topic = topic;
        this.subscriber = subscriber;
        this.consuming = consuming;
        this.member = member;
    }

    /** Whose subscription this is, for presence; null when anonymous. */
    Member member() {
        return member;
    }

    /** On the owning loop: tells a watching subscriber of a join or leave, unless of its own client. */
    void presence(PresenceEvent event) {
        if (!cancelled && member != null && member.watching() && !member.client().equals(event.client())) {
            subscriber.onPresence(event);
        }
    }

    /** A reader with no cursor, which takes what it is handed away from other such readers. */
    boolean consuming() {
        return consuming;
    }

    @Override
    public Topic topic() {
        return topic;
    }

    @Override
    public void cancel() {
        if (!cancelled) {
            cancelled = true;
            hub.unregister(this);
        }
    }

    boolean cancelled() {
        return cancelled;
    }

    /** On the owning loop: the id of the last message handed over, or null until the backlog was. */
    MessageId position() {
        return heldBack != null ? null : lastDelivered;
    }

    /**
     * On the owning loop: hands over the backlog, then the messages held back for it that it does
     * not already hold, except those {@code taken} by another reader meanwhile. Returns how many
     * held messages the subscriber got.
     */
    int backlog(Backlog backlog, Predicate<Message> taken) {
        if (cancelled) {
            return 0;
        }
        lastDelivered = backlog.cursor();
        subscriber.onBacklog(backlog);
        List<Message> held = heldBack;
        heldBack = null;
        int handed = 0;
        for (Message m : held) {
            if (!taken.test(m) && offer(m) == Offer.HANDED) {
                handed++;
            }
        }
        return handed;
    }

    /** On the owning loop: the backlog could not be read, so this subscription cannot keep its promise. */
    void fail(Throwable cause) {
        if (cancelled) {
            return;
        }
        cancel();
        subscriber.onFailure(cause);
    }

    /** On the owning loop. */
    Offer offer(Message message) {
        if (cancelled) {
            return Offer.SKIPPED;
        }
        if (heldBack != null) {
            heldBack.add(message);
            return Offer.HELD;
        }
        MessageId id = message.id();
        if (id.sameEpoch(lastDelivered) && id.seq() <= lastDelivered.seq()) {
            return Offer.SKIPPED;
        }
        lastDelivered = id;
        subscriber.onMessage(message);
        return Offer.HANDED;
    }
}
