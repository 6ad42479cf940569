package dev.halley.hub;

import dev.halley.message.Topic;

/** A handle on one registered subscriber; {@link #cancel} may be called from any thread, any number of times. */
public interface Subscription {

    Topic topic();

    /** Stops delivery. Messages already handed to the subscriber's loop may still arrive there. */
    void cancel();
}
