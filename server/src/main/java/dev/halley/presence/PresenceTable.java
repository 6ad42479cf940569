package dev.halley.presence;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Who is present where, for the keys one event loop owns (channels or client ids). Not thread
 * safe: only the owning loop touches it, which is what keeps presence free of locks.
 *
 * @param <K> what presence is kept per: a channel, or the node as a whole keyed by client
 */
public final class PresenceTable<K> {

    private static final class Entry {
        final long sinceMillis;
        int connections;
        /** Nonzero while lingering: when the last connection ended, from {@link System#nanoTime}. */
        long idleSinceNanos;

        Entry(long sinceMillis) {
            this.sinceMillis = sinceMillis;
        }
    }

    private final Map<K, Map<String, Entry>> byKey = new HashMap<>();
    private long entries;

    /** Counts one more connection of {@code client} under {@code key}; returns true when the client joined with it. */
    public boolean add(K key, String client, long nowMillis) {
        Map<String, Entry> clients = byKey.computeIfAbsent(key, k -> new LinkedHashMap<>());
        Entry e = clients.get(client);
        boolean joined = e == null;
        if (joined) {
            e = new Entry(nowMillis);
            clients.put(client, e);
            entries++;
        }
        e.connections++;
        e.idleSinceNanos = 0;
        return joined;
    }

    /**
     * Counts one connection fewer. Returns 0 when the client is still connected, else the
     * {@code idleSinceNanos} to hand to {@link #leave} (now, or once its linger has passed).
     */
    public long remove(K key, String client, long nowNanos) {
        Map<String, Entry> clients = byKey.get(key);
        Entry e = clients == null ? null : clients.get(client);
        if (e == null || e.connections == 0) {
            return 0;
        }
        if (--e.connections > 0) {
            return 0;
        }
        // Zero is "connected"; a clock that reads 0 is nudged so the two never mix.
        e.idleSinceNanos = nowNanos == 0 ? 1 : nowNanos;
        return e.idleSinceNanos;
    }

    /** Removes the client if it has had no connection since {@code idleSinceNanos}; returns true when it left. */
    public boolean leave(K key, String client, long idleSinceNanos) {
        Map<String, Entry> clients = byKey.get(key);
        Entry e = clients == null ? null : clients.get(client);
        if (e == null || e.connections > 0 || e.idleSinceNanos != idleSinceNanos) {
            return false;
        }
        clients.remove(client);
        entries--;
        if (clients.isEmpty()) {
            byKey.remove(key);
        }
        return true;
    }

    public ClientPresence get(K key, String client) {
        Map<String, Entry> clients = byKey.get(key);
        Entry e = clients == null ? null : clients.get(client);
        return e == null ? ClientPresence.absent(client) : new ClientPresence(client, e.sinceMillis, e.connections);
    }

    /** How many clients are present under {@code key}. */
    public int count(K key) {
        Map<String, Entry> clients = byKey.get(key);
        return clients == null ? 0 : clients.size();
    }

    /** The clients under {@code key} in join order, or none when there are more than {@code limit}. */
    public List<ClientPresence> list(K key, int limit) {
        Map<String, Entry> clients = byKey.get(key);
        if (clients == null || clients.size() > limit) {
            return List.of();
        }
        List<ClientPresence> out = new ArrayList<>(clients.size());
        clients.forEach((client, e) -> out.add(new ClientPresence(client, e.sinceMillis, e.connections)));
        return out;
    }

    /** The keys with at least one client present now, copied: the table may change while the caller walks them. */
    public List<K> keySnapshot() {
        return new ArrayList<>(byKey.keySet());
    }

    /** Keys with at least one client present. */
    public int keys() {
        return byKey.size();
    }

    /** Client presences summed over all keys. */
    public long entries() {
        return entries;
    }
}
