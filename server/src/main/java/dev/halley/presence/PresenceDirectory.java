package dev.halley.presence;

import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * Where presence is shared beyond one node: the hub reports each change of its own presence here
 * and reads the cluster's back from here. Without one (embedded), the hub's own loops are the truth.
 *
 * <p>Threading: the reports are made on the owning loop of the channel or client and must not
 * block; a report that cannot be stored is lost until the next change of that entry. Reads may
 * complete on any thread.
 */
public interface PresenceDirectory {

    /** This node's presence of {@code client} on {@code channel} is now {@code presence} (absent: gone). */
    void channel(String channel, ClientPresence presence);

    /** This node's connections of the client are now {@code presence} (absent: none). */
    void client(ClientPresence presence);

    /** The clients present on {@code channel} on every live node, listed up to {@code listLimit}. */
    CompletionStage<ChannelPresence> channel(String channel, int listLimit);

    /** The client's connections summed over every live node, since its earliest. */
    CompletionStage<ClientPresence> client(String client);

    /**
     * Starts telling {@code events} of cluster-wide joins and leaves on the channels this node
     * {@link #watch watches}: a client joins with its first connection on any node and leaves with
     * its last, or when the node holding it drops out of the roster. Called once; events arrive on
     * any thread.
     */
    void start(Consumer<PresenceEvent> events);

    /** This node has watching subscribers on {@code channel} ({@code watching}), or has no more. */
    void watch(String channel, boolean watching);
}
