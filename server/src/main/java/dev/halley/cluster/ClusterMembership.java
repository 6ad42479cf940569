package dev.halley.cluster;

import dev.halley.broker.RedisLink;
import dev.halley.presence.PresenceDirectory;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's membership: every {@link ClusterRoster#HEARTBEAT_MILLIS} it writes its
 * {@link NodeRecord} with a time to live and reads back the roster, which {@code /status} shows as
 * the node's view of the cluster. A failed heartbeat (Redis unreachable) is logged once and retried
 * at the next tick; the view then keeps the last roster and says {@code degraded}.
 *
 * <p>It also tells the node's {@link RedisPresence} when Redis may have lost its entries: a
 * heartbeat failed, the link dropped, or a heartbeat had to create the membership hash anew (its
 * {@code HSET} added fields, so the hash had expired or Redis restarted empty). These facts come
 * with what the node does anyway: no command is added to learn them, nothing runs per connection.
 */
public final class ClusterMembership implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ClusterMembership.class);

    /** Counters a heartbeat reads from the node. */
    public record NodeLoad(long connections, long published, long delivered, String brokerState) {
    }

    private final String id;
    private final String address;
    private final long startedAtMillis;
    private final Supplier<CompletionStage<NodeLoad>> load;
    private final ClientResources resources;
    private final RedisLink link;
    private final RedisLink.Connection<String, String> connection;
    private final RedisClusterAsyncCommands<String, String> redis;
    private final RedisPresence presence;
    private final RedisConnectionStateListener linkListener;
    private final ScheduledFuture<?> ticks;
    private volatile List<NodeRecord> roster = List.of();
    private volatile boolean reachable = true;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Set by the first stored heartbeat, which creates the membership hash without anything having been lost. */
    private volatile boolean established;
    private long lastPublished = -1;
    private long lastDelivered;
    private long lastTickNanos;

    /**
     * Joins the cluster at {@code uri} over {@code resources} (the node's, shared with its broker:
     * {@link RedisLink#resources}), which the caller shuts down after {@link #close}.
     */
    public ClusterMembership(String uri, ClientResources resources, String id, String address, Supplier<CompletionStage<NodeLoad>> load) {
        this.id = id;
        this.address = address;
        this.startedAtMillis = System.currentTimeMillis();
        this.load = load;
        this.resources = resources;
        this.link = RedisLink.open(uri, resources);
        this.connection = link.connect(StringCodec.UTF8);
        this.redis = connection.async();
        this.presence = new RedisPresence(RedisPresence.instance(id, startedAtMillis), redis, resources.eventExecutorGroup());
        // A reconnect may come before the next heartbeat and lead to an empty Redis: the watchers
        // must not be told its emptiness meanwhile. Called on Lettuce's loop; suspect() does not block.
        this.linkListener = new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> lost) {
                presence.suspect("link_lost");
            }
        };
        connection.stateful().addListener(linkListener);
        this.ticks = resources.eventExecutorGroup().scheduleWithFixedDelay(this::beat, 0,
                ClusterRoster.HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
        log.info("event=cluster_joined node={} address={}", id, address);
    }

    /**
     * Presence shared over this membership's Redis: entries tagged with this node's id and start
     * time, read back for live nodes only (see {@link RedisPresence}). The start
     * time keeps a node restarted under the same id from reviving what its killed run left behind.
     */
    public PresenceDirectory presence() {
        return presence;
    }

    /** The node's view for {@code /status}: its id, whether Redis answered the last heartbeat, the live nodes. */
    public Map<String, Object> view() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("node", id);
        v.put("state", reachable ? "ok" : "degraded");
        v.put("nodes", roster);
        return v;
    }

    private void beat() {
        CompletionStage<NodeLoad> now;
        try {
            now = load.get();
        } catch (RuntimeException e) {
            // The node is shutting down under us; a thrown tick would silently end the schedule.
            log.warn("event=heartbeat_skipped node={} cause={}", id, e.toString());
            return;
        }
        now.thenCompose(current -> {
            NodeRecord self = record(current);
            String key = ClusterRoster.nodeKey(id);
            long sentNanos = System.nanoTime();
            CompletionStage<Long> added = redis.hset(key, self.toFields());
            redis.pexpire(key, ClusterRoster.NODE_TTL_MILLIS);
            redis.sadd(ClusterRoster.NODES_KEY, id);
            return ClusterRoster.live(redis).thenCombine(added, (live, fields) -> {
                presence.heartbeatStored(sentNanos, fields > 0 && established);
                established = true;
                return live;
            });
        }).whenComplete((nodes, failure) -> {
            if (failure != null) {
                // A lost reply may have hidden that this heartbeat created the hash anew.
                presence.suspect("heartbeat_failed");
                if (reachable) {
                    reachable = false;
                    log.warn("event=heartbeat_failed node={} cause={}", id, failure.toString());
                }
                return;
            }
            if (!reachable) {
                reachable = true;
                log.info("event=heartbeat_recovered node={} nodes={}", id, nodes.size());
            }
            roster = List.copyOf(nodes);
        });
    }

    /** Runs on the single heartbeat thread, so the previous totals need no guard. */
    private NodeRecord record(NodeLoad now) {
        long nowNanos = System.nanoTime();
        double seconds = lastPublished < 0 ? 0 : (nowNanos - lastTickNanos) / 1e9;
        double pubRate = seconds > 0 ? (now.published() - lastPublished) / seconds : 0;
        double delRate = seconds > 0 ? (now.delivered() - lastDelivered) / seconds : 0;
        lastPublished = now.published();
        lastDelivered = now.delivered();
        lastTickNanos = nowNanos;
        return new NodeRecord(id, address, now.connections(), pubRate, delRate, startedAtMillis, now.brokerState());
    }

    /** Leaves the roster at once (a drained node should not linger for its time to live). */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ticks.cancel(false);
        connection.stateful().removeListener(linkListener);
        try {
            redis.del(ClusterRoster.nodeKey(id)).get(1, TimeUnit.SECONDS);
            redis.srem(ClusterRoster.NODES_KEY, id).get(1, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("event=cluster_leave_failed node={} cause={}", id, e.toString());
        }
        connection.stateful().close();
        link.close();
        log.info("event=cluster_left node={}", id);
    }
}
