package dev.halley.transport;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * What operating a node needs from its handlers: the open connections (to ask each to finish when
 * the node drains: Netty channels in a group, streams held outside Netty per loop), whether it is draining, what {@code POST /admin/drain} does, and extra
 * sections of {@code /status} contributed from outside the edge (the cluster view).
 */
final class NodeAdmin {

    /** Fired down every open connection's pipeline when the node drains; each transport ends itself its own way. */
    static final Object DRAIN = new Object() {
        @Override
        public String toString() {
            return "DRAIN";
        }
    };

    private final ChannelGroup connections = new DefaultChannelGroup("halley-connections", GlobalEventExecutor.INSTANCE);
    private final List<HeldSockets> held = new CopyOnWriteArrayList<>();
    private final Map<String, Supplier<Object>> statusSections = new ConcurrentHashMap<>();
    private volatile Runnable drainRequest;
    private volatile boolean draining;

    /** Called for every accepted connection; a closed channel leaves the group by itself. */
    void track(Channel channel) {
        connections.add(channel);
    }

    /** A channel whose socket is now held outside Netty leaves the group without being closed. */
    void untrack(Channel channel) {
        connections.remove(channel);
    }

    ChannelGroup connections() {
        return connections;
    }

    /** Called once per loop, when it first holds a socket. */
    void holdsOn(HeldSockets loopSockets) {
        held.add(loopSockets);
    }

    /** Sockets held outside Netty now, over every loop. */
    int heldCount() {
        int n = 0;
        for (HeldSockets h : held) {
            n += h.size();
        }
        return n;
    }

    /** Asks every held socket to finish as a drain does; returns at once. */
    void drainHeld() {
        held.forEach(HeldSockets::drainAll);
    }

    /** Closes every held socket; returns at once. */
    void closeHeld() {
        held.forEach(HeldSockets::closeAll);
    }

    boolean draining() {
        return draining;
    }

    void markDraining() {
        draining = true;
    }

    void onDrainRequest(Runnable action) {
        drainRequest = action;
    }

    boolean canDrain() {
        return drainRequest != null;
    }

    /** Starts the configured drain (it runs on its own thread); a second request joins the first. */
    void requestDrain() {
        Runnable action = drainRequest;
        if (action != null) {
            action.run();
        }
    }

    void statusSection(String name, Supplier<Object> section) {
        statusSections.put(name, section);
    }

    Map<String, Supplier<Object>> statusSections() {
        return statusSections;
    }
}
