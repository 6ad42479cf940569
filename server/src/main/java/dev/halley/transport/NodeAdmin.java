package dev.halley.transport;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * What operating a node needs from its handlers: the open connections (to ask each to finish when
 * the node drains), whether it is draining, what {@code POST /admin/drain} does, and extra
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
    private final Map<String, Supplier<Object>> statusSections = new ConcurrentHashMap<>();
    private volatile Runnable drainRequest;
    private volatile boolean draining;

    /** Called for every accepted connection; a closed channel leaves the group by itself. */
    void track(Channel channel) {
        connections.add(channel);
    }

    ChannelGroup connections() {
        return connections;
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
