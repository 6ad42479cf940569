package dev.halley.hub;

import dev.halley.message.Backlog;
import dev.halley.message.Message;
import dev.halley.presence.PresenceEvent;

/**
 * The receiving end of one subscription: a transport adapter.
 *
 * <p>Both methods are called on the topic's owning loop, which is usually not the loop of the
 * subscriber's connection: implementations must not block, and hand writes to their own loop.
 */
public interface Subscriber {

    /** Called exactly once, before any {@link #onMessage}: what is owed from the cursor on. */
    void onBacklog(Backlog backlog);

    /** A live message; ids strictly increase and all lie after the backlog's cursor. */
    void onMessage(Message message);

    /**
     * The subscription ended because the broker could not answer (its store is unreachable);
     * nothing more will arrive. Called at most once, instead of {@link #onBacklog}.
     */
    void onFailure(Throwable cause);

    /**
     * A client joined or left the channel; only for subscriptions made with a watching
     * {@link dev.halley.presence.Member}. Not a message: it has no id and moves no cursor.
     */
    default void onPresence(PresenceEvent event) {
    }
}
