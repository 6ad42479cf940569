package dev.halley.cluster;

import dev.halley.presence.ChannelPresence;
import dev.halley.presence.ClientPresence;
import dev.halley.presence.PresenceDirectory;
import dev.halley.presence.PresenceEvent;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Presence shared over Redis. Each channel has one hash, {@code halley:{channel:<name>}:presence},
 * in the channel's own slot (the hash tag of its log, see the broker's key space); each field is one
 * node's entry for one client, {@code "<node>@<startedAtMillis> <client>"} =
 * {@code "<sinceMillis>:<connections>"}. A client's connections are in
 * {@code halley:{client:<id>}:presence}, one field per node ({@code "<node>@<startedAtMillis>"}).
 *
 * <p>Readers count only the fields of live nodes (whose membership hash exists with the same start
 * time), so a node that dies (kill -9) stops counting once its membership expires, and the reader
 * deletes such fields as it meets them.
 * Client ids never contain a space, so a field splits at its last one.
 *
 * <p>Join and leave events come from comparing what a watched channel's hash holds with what it
 * held before: read again after each change this node makes there and every
 * {@link #WATCH_INTERVAL_MILLIS}, so a change on another node, or a node dropping out of the
 * roster, is announced within about that interval once it is visible. A node that starts watching
 * a channel announces nobody who was already there.
 *
 * <p>Self-repair: Redis may lose this node's entries while its clients stay connected, when it
 * restarts empty, or when the node is cut off (or stalls) past its membership's time to live and
 * readers delete its fields. So whenever that may have happened ({@link #suspect}: a heartbeat or
 * a write failed, the link dropped, the membership hash had to be created anew), the node rewrites
 * every entry it holds from its own state at the next stored heartbeat, and once more at the
 * heartbeat after: a reader that found the membership absent just before it came back may delete
 * what the first pass wrote. From the suspicion until the second pass is stored, this node's
 * watchers are told nothing; the comparisons then resume against what was known before, so they
 * hear only what changed meanwhile, and the other nodes, rewriting at their own first heartbeat,
 * have had a heartbeat's time to be back.
 */
final class RedisPresence implements PresenceDirectory {

    private static final Logger log = LoggerFactory.getLogger(RedisPresence.class);

    static final long WATCH_INTERVAL_MILLIS = 1000;

    private final String node;
    private final RedisClusterAsyncCommands<String, String> redis;
    private final ScheduledExecutorService timer;
    private final Map<String, Watch> watched = new ConcurrentHashMap<>();
    private volatile Consumer<PresenceEvent> events;
    private volatile Supplier<CompletionStage<Long>> reportAll;
    /** Watchers are told nothing while set: what Redis holds of this node may be incomplete. */
    private volatile boolean held;
    /** Guarded by this: Redis may lack entries of this node, which no rewrite has yet covered. */
    private boolean stale;
    /** Guarded by this: rewrite passes still to run, each at a stored heartbeat. */
    private int passesLeft;
    /** Guarded by this: a pass is under way. */
    private boolean rewriting;
    /**
     * Guarded by this: the next pass waits for a heartbeat sent after this ({@link System#nanoTime}),
     * so the second comes a heartbeat after the first even when delayed heartbeats are stored together.
     */
    private long nextPassAfterNanos;
    /**
     * When the latest stored heartbeat was sent ({@link System#nanoTime}; written under this): the
     * membership lasts its time to live from about then.
     */
    private volatile long heartbeatSentNanos = System.nanoTime();

    /**
     * @param node this node's {@link #instance}
     */
    RedisPresence(String node, RedisClusterAsyncCommands<String, String> redis,
                  ScheduledExecutorService timer) {
        this.node = node;
        this.redis = redis;
        this.timer = timer;
    }

    /** One run of a node: its id and its start time, as the roster lists them. */
    static String instance(String nodeId, long startedAtMillis) {
        return nodeId + "@" + startedAtMillis;
    }

    static String channelKey(String channel) {
        return "halley:{channel:" + channel + "}:presence";
    }

    static String clientKey(String client) {
        return "halley:{client:" + client + "}:presence";
    }

    @Override
    public CompletionStage<Void> channel(String channel, ClientPresence presence) {
        CompletionStage<Void> stored = store(channelKey(channel), node + " " + presence.client(), presence);
        if (watched.containsKey(channel)) {
            compare(channel);
        }
        return stored;
    }

    @Override
    public void start(Consumer<PresenceEvent> events, Supplier<CompletionStage<Long>> reportAll) {
        this.events = events;
        this.reportAll = reportAll;
        timer.scheduleWithFixedDelay(() -> watched.keySet().forEach(this::compare),
                WATCH_INTERVAL_MILLIS, WATCH_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void watch(String channel, boolean watching) {
        if (watching) {
            watched.putIfAbsent(channel, new Watch());
            compare(channel);
        } else {
            watched.remove(channel);
        }
    }

    /**
     * Reads the channel and announces who joined and left since the previous read. One read per
     * channel at a time: a change asked for meanwhile reads again once it is done, so each read
     * compares with the one before it and no answer overtakes an older one.
     */
    private void compare(String channel) {
        if (System.nanoTime() - heartbeatSentNanos > TimeUnit.MILLISECONDS.toNanos(ClusterRoster.NODE_TTL_MILLIS)) {
            // No heartbeat stored for a time to live (the node stalled, or its commands hang): the
            // membership may have expired and readers deleted this node's fields.
            suspect("membership_expired");
        }
        Watch watch = watched.get(channel);
        if (held || watch == null || !watch.begin()) {
            return;
        }
        channel(channel, Integer.MAX_VALUE).whenComplete((now, e) -> {
            List<PresenceEvent> changes = new ArrayList<>();
            // A read made or answered while on hold may lack this node's entries: it is not compared.
            if (e == null && !held) {
                Set<String> clients = new LinkedHashSet<>();
                now.clients().forEach(c -> clients.add(c.client()));
                Set<String> before = watch.replace(clients);
                for (String c : clients) {
                    if (before != null && !before.contains(c)) {
                        changes.add(new PresenceEvent(PresenceEvent.Kind.JOIN, channel, c));
                    }
                }
                for (String c : before == null ? Set.<String>of() : before) {
                    if (!clients.contains(c)) {
                        changes.add(new PresenceEvent(PresenceEvent.Kind.LEAVE, channel, c));
                    }
                }
            }
            Consumer<PresenceEvent> to = events;
            if (to != null && watched.get(channel) == watch) {
                changes.forEach(to);
            }
            if (watch.end()) {
                compare(channel);
            }
        });
    }

    /** One watched channel: the clients last seen there (null until the first read) and whether a read is under way. */
    private static final class Watch {
        private Set<String> known;
        private boolean reading;
        private boolean again;

        /** Returns true when the caller is to read now; otherwise the read under way reads again after it. */
        synchronized boolean begin() {
            if (reading) {
                again = true;
                return false;
            }
            reading = true;
            return true;
        }

        /** Stores what the read found; returns what the previous read found. */
        synchronized Set<String> replace(Set<String> clients) {
            Set<String> before = known;
            known = clients;
            return before;
        }

        /** The read is done; returns true when another was asked for meanwhile, which the caller then makes. */
        synchronized boolean end() {
            reading = false;
            if (again) {
                again = false;
                return true;
            }
            return false;
        }
    }

    @Override
    public CompletionStage<Void> client(ClientPresence presence) {
        return store(clientKey(presence.client()), node, presence);
    }

    private CompletionStage<Void> store(String key, String field, ClientPresence presence) {
        CompletionStage<?> write = presence.online()
                ? redis.hset(key, field, presence.sinceMillis() + ":" + presence.connections())
                : redis.hdel(key, field);
        return write.handle((done, e) -> {
            if (e != null) {
                log.debug("event=presence_write_failed key={} cause={}", key, e.toString());
                suspect("write_failed");
                throw new IllegalStateException("presence not stored in " + key, e);
            }
            return null;
        });
    }

    /**
     * Redis may lack some of this node's entries from now on: {@code cause} is a failed heartbeat or
     * write, a dropped link, or a membership hash created anew. Holds the watchers' comparisons and
     * has the next stored heartbeat start a rewrite. Any thread.
     */
    void suspect(String cause) {
        boolean already;
        synchronized (this) {
            already = held;
            stale = true;
            held = true;
        }
        if (!already) {
            log.info("event=presence_suspect node={} cause={}", node, cause);
        }
    }

    /**
     * A heartbeat was stored: the membership hash exists now, so what is written from here on counts.
     * Runs the next rewrite pass when one is due and none is under way. Any thread.
     *
     * @param sentNanos when the heartbeat was sent ({@link System#nanoTime})
     * @param membershipCreated the heartbeat created the hash (it had expired, or Redis lost it)
     */
    void heartbeatStored(long sentNanos, boolean membershipCreated) {
        if (membershipCreated) {
            suspect("membership_lapsed");
        }
        Supplier<CompletionStage<Long>> rewrite = reportAll;
        int pass;
        synchronized (this) {
            if (sentNanos - heartbeatSentNanos > 0) {
                heartbeatSentNanos = sentNanos;
            }
            if (stale) {
                stale = false;
                passesLeft = 2;
                nextPassAfterNanos = sentNanos - 1;
            }
            if (rewrite == null || rewriting || passesLeft == 0 || sentNanos - nextPassAfterNanos <= 0) {
                return;
            }
            pass = 3 - passesLeft--;
            rewriting = true;
        }
        long startNanos = System.nanoTime();
        rewrite.get().whenComplete((entries, e) -> {
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
            boolean resume;
            synchronized (this) {
                rewriting = false;
                nextPassAfterNanos = System.nanoTime();
                if (e != null) {
                    stale = true;
                }
                resume = !stale && passesLeft == 0;
                if (resume) {
                    held = false;
                }
            }
            if (e != null) {
                log.warn("event=presence_rewrite_failed node={} pass={} took_ms={} cause={}", node, pass, tookMillis, e.toString());
                return;
            }
            log.info("event=presence_rewritten node={} pass={} entries={} took_ms={}", node, pass, entries, tookMillis);
            if (resume) {
                watched.keySet().forEach(this::compare);
            }
        });
    }

    @Override
    public CompletionStage<ChannelPresence> channel(String channel, int listLimit) {
        String key = channelKey(channel);
        return redis.hgetall(key).thenCompose(fields -> live(fields.keySet(), f -> f.substring(0, Math.max(0, f.lastIndexOf(' '))))
                .thenApply(live -> {
            Map<String, long[]> byClient = new LinkedHashMap<>();
            fields.forEach((field, value) -> {
                int space = field.lastIndexOf(' ');
                long[] entry = parse(value);
                if (space < 0 || entry == null || !live.contains(field.substring(0, space))) {
                    redis.hdel(key, field);
                    return;
                }
                merge(byClient, field.substring(space + 1), entry);
            });
            List<ClientPresence> clients = new ArrayList<>();
            byClient.forEach((client, e) -> clients.add(new ClientPresence(client, e[0], (int) e[1])));
            clients.sort(Comparator.comparingLong(ClientPresence::sinceMillis).thenComparing(ClientPresence::client));
            boolean truncated = clients.size() > listLimit;
            return new ChannelPresence(channel, clients.size(), truncated, truncated ? List.of() : clients);
        }));
    }

    @Override
    public CompletionStage<ClientPresence> client(String client) {
        String key = clientKey(client);
        return redis.hgetall(key).thenCompose(fields -> live(fields.keySet(), f -> f).thenApply(live -> {
            Map<String, long[]> merged = new LinkedHashMap<>();
            fields.forEach((field, value) -> {
                long[] entry = parse(value);
                if (entry == null || !live.contains(field)) {
                    redis.hdel(key, field);
                    return;
                }
                merge(merged, client, entry);
            });
            long[] e = merged.get(client);
            return e == null ? ClientPresence.absent(client) : new ClientPresence(client, e[0], (int) e[1]);
        }));
    }

    /**
     * Which of the instances the fields name are live: this one, and those whose membership hash
     * exists now with the same start time. Asked of Redis at each read rather than taken from the
     * last roster, which may not list a node that joined since, nor have dropped one that died.
     */
    private CompletionStage<Set<String>> live(Set<String> fields, Function<String, String> instanceOf) {
        Set<String> instances = new HashSet<>();
        fields.forEach(f -> instances.add(instanceOf.apply(f)));
        instances.remove(node);
        Set<String> live = ConcurrentHashMap.newKeySet();
        live.add(node);
        List<CompletableFuture<?>> checks = new ArrayList<>();
        for (String instance : instances) {
            int at = instance.lastIndexOf('@');
            if (at <= 0) {
                continue;
            }
            checks.add(redis.hget(ClusterRoster.nodeKey(instance.substring(0, at)), "startedAtMillis").thenAccept(started -> {
                if (instance.substring(at + 1).equals(started)) {
                    live.add(instance);
                }
            }).toCompletableFuture());
        }
        return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new)).thenApply(done -> live);
    }

    /** The earliest since and the summed connections over nodes. */
    private static void merge(Map<String, long[]> into, String client, long[] entry) {
        long[] have = into.get(client);
        if (have == null) {
            into.put(client, entry);
        } else {
            have[0] = Math.min(have[0], entry[0]);
            have[1] += entry[1];
        }
    }

    /** {@code "<sinceMillis>:<connections>"}, or null when it is not (written by something else). */
    private static long[] parse(String value) {
        int colon = value.indexOf(':');
        try {
            return colon < 0 ? null : new long[] {Long.parseLong(value.substring(0, colon)), Long.parseLong(value.substring(colon + 1))};
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
