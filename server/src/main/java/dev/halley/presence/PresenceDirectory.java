package dev.halley.presence;

import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Where presence is shared beyond one node: the hub reports each change of its own presence here
 * and reads the cluster's back from here. Without one (embedded), the hub's own loops are the truth.
 *
 * <p>Threading: the reports are made on the owning loop of the channel or client and must not
 * block; each returns a stage that completes, on any thread, once the report is stored (or could
 * not be). A directory that may have lost this node's entries (its store restarted empty, or took
 * the node for dead) asks for all of them again (see {@link #start}). Reads may complete on any
 * thread.
 */
public interface PresenceDirectory {

    /**
     * This node's presence of {@code client} on {@code channel} is now {@code presence} (absent: gone).
     * Completes once stored; exceptionally when it could not be.
     */
    CompletionStage<Void> channel(String channel, ClientPresence presence);

    /** This node's connections of the client are now {@code presence} (absent: none); completes as {@link #channel(String, ClientPresence)}. */
    CompletionStage<Void> client(ClientPresence presence);

    /** The clients present on {@code channel} on every live node, listed up to {@code listLimit}. */
    CompletionStage<ChannelPresence> channel(String channel, int listLimit);

    /** The client's connections summed over every live node, since its earliest. */
    CompletionStage<ClientPresence> client(String client);

    /**
     * Starts telling {@code events} of cluster-wide joins and leaves on the channels this node
     * {@link #watch watches}: a client joins with its first connection on any node and leaves with
     * its last, or when the node holding it drops out of the roster. Called once; events arrive on
     * any thread.
     *
     * @param reportAll reports every entry this node holds again, through {@link #channel(String, ClientPresence)}
     *     and {@link #client(ClientPresence)} from each entry's owning loop, in bounded steps that never block a
     *     loop; completes with how many it reported once all are stored, exceptionally when one could not be
     *     (the rest is then not reported). The directory calls it when its store may have lost them.
     */
    void start(Consumer<PresenceEvent> events, Supplier<CompletionStage<Long>> reportAll);

    /** This node has watching subscribers on {@code channel} ({@code watching}), or has no more. */
    void watch(String channel, boolean watching);
}
