package dev.halley.hub;

import dev.halley.message.Backlog;
import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import java.util.ArrayList;
import java.util.List;

/**
 * One subscription's state on its topic's owning loop.
 *
 * <p>Until the broker's backlog arrives, live messages are held back; once it has been handed
 * over, held and later messages are delivered only if they lie after the last id delivered. That
 * one rule gives exactly-once across the backlog/live seam whether the broker answers at once
 * (embedded) or later (Redis).
 */
final class HubSubscription implements Subscription {

    private final Hub hub;
    private final Topic topic;
    private final Subscriber subscriber;
    private final boolean consuming;
    int slot = -1;
    private volatile boolean cancelled;
    private MessageId lastDelivered;
    private List<Message> heldBack = new ArrayList<>();

    HubSubscription(Hub hub, Topic topic, Subscriber subscriber, boolean consuming) {
        this.hub = hub;
        this.topic = topic;
        this.subscriber = subscriber;
        this.consuming = consuming;
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

    /** On the owning loop. */
    void backlog(Backlog backlog) {
        if (cancelled) {
            return;
        }
        lastDelivered = backlog.cursor();
        subscriber.onBacklog(backlog);
        List<Message> held = heldBack;
        heldBack = null;
        for (Message m : held) {
            offer(m);
        }
    }

    /** On the owning loop: the backlog could not be read, so this subscription cannot keep its promise. */
    void fail(Throwable cause) {
        if (cancelled) {
            return;
        }
        cancel();
        subscriber.onFailure(cause);
    }

    /**
     * On the owning loop; returns whether the message was handed to the subscriber, or held back
     * for it until its backlog arrives (it then reaches the subscriber with or after the backlog).
     */
    boolean offer(Message message) {
        if (cancelled) {
            return false;
        }
        if (heldBack != null) {
            heldBack.add(message);
            return true;
        }
        MessageId id = message.id();
        if (id.sameEpoch(lastDelivered) && id.seq() <= lastDelivered.seq()) {
            return false;
        }
        lastDelivered = id;
        subscriber.onMessage(message);
        return true;
    }
}
