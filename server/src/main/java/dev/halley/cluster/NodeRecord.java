package dev.halley.cluster;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What one node tells the cluster about itself at each heartbeat, as stored in its Redis hash.
 *
 * @param id unique among live nodes ({@code --node-id}, by default host:port)
 * @param address where clients and tools reach it, host:port
 * @param connections connections open at the last heartbeat
 * @param publishedPerSecond messages stored through this node per second over the last heartbeat interval
 * @param deliveredPerSecond messages handed to this node's subscribers per second over that interval
 * @param startedAtMillis wall-clock start of the node
 * @param state its broker's state, {@code ok} or {@code degraded}
 */
public record NodeRecord(String id, String address, long connections, double publishedPerSecond,
                         double deliveredPerSecond, long startedAtMillis, String state) {

    Map<String, String> toFields() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("id", id);
        f.put("address", address);
        f.put("connections", Long.toString(connections));
        f.put("publishedPerSecond", String.format(Locale.ROOT, "%.1f", publishedPerSecond));
        f.put("deliveredPerSecond", String.format(Locale.ROOT, "%.1f", deliveredPerSecond));
        f.put("startedAtMillis", Long.toString(startedAtMillis));
        f.put("state", state);
        return f;
    }

    /** Reads a node's hash; returns null when it is incomplete (written by something else, or expiring). */
    static NodeRecord fromFields(Map<String, String> f) {
        try {
            return new NodeRecord(f.get("id"), f.get("address"), Long.parseLong(f.get("connections")),
                    Double.parseDouble(f.get("publishedPerSecond")), Double.parseDouble(f.get("deliveredPerSecond")),
                    Long.parseLong(f.get("startedAtMillis")), f.getOrDefault("state", "unknown"));
        } catch (NullPointerException | NumberFormatException e) {
            return null;
        }
    }
}
