package dev.halley.broker;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where Redis is and how Halley talks to it: one server ({@code redis://host:port}) or a Redis
 * Cluster ({@code redis-cluster://host:port[,host:port...]}, any of its servers as seeds). Every
 * connection fails fast while Redis is unreachable (commands are refused, not queued) and
 * reconnects by itself; a cluster connection also follows failovers and slot moves by refreshing
 * its view of the cluster.
 */
public final class RedisLink implements AutoCloseable {

    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(3);
    private static final String SINGLE = "redis://";
    private static final String SECURE = "rediss://";
    private static final String CLUSTER = "redis-cluster://";
    private static final String USAGE = "--broker must be redis://host:port or redis-cluster://host:port[,host:port...], got ";

    /** A connection and its commands, the same interface for one server and a cluster. */
    public record Connection<K, V>(StatefulConnection<K, V> stateful, RedisClusterAsyncCommands<K, V> async) {
    }

    private final RedisClient single;
    private final RedisClusterClient cluster;

    private RedisLink(RedisClient single, RedisClusterClient cluster) {
        this.single = single;
        this.cluster = cluster;
    }

    /**
     * The threads and timers one node's Redis clients share: the broker's and the cluster
     * membership's. Two I/O threads keep the broker's command and pub/sub connections off each
     * other's thread; each set of resources also brings a timer thread and an event bus, so a
     * node has one set, not one per client. The caller shuts them down after every client using
     * them is closed.
     */
    public static ClientResources resources() {
        return DefaultClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(2), 2, TimeUnit.MILLISECONDS))
                .build();
    }

    /** Creates the client for {@code uri} (checked by {@link #parse}); connects nothing yet. */
    public static RedisLink open(String uri, ClientResources resources) {
        List<RedisURI> nodes = parse(uri);
        if (uri.startsWith(CLUSTER)) {
            RedisClusterClient client = resources == null ? RedisClusterClient.create(nodes) : RedisClusterClient.create(resources, nodes);
            client.setOptions(ClusterClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                    // A failover moves slots to a promoted replica: Lettuce 7 learns it from redirects and dropped
                    // links by default; a periodic refresh also catches a change no command ran into.
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enablePeriodicRefresh(Duration.ofSeconds(5))
                            .build())
                    .build());
            return new RedisLink(null, client);
        }
        RedisClient client = resources == null ? RedisClient.create(nodes.get(0)) : RedisClient.create(resources, nodes.get(0));
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                .build());
        return new RedisLink(client, null);
    }

    /**
     * Parses and checks a broker address; the exception's message is fit for a usage error.
     *
     * @return the server for {@code redis://}, the seeds for {@code redis-cluster://}
     */
    public static List<RedisURI> parse(String uri) {
        if (uri == null) {
            throw new IllegalArgumentException(USAGE + "nothing");
        }
        List<String> each = new ArrayList<>();
        if (uri.startsWith(CLUSTER)) {
            for (String seed : uri.substring(CLUSTER.length()).split(",", -1)) {
                each.add(SINGLE + seed);
            }
        } else if (uri.startsWith(SINGLE) || uri.startsWith(SECURE)) {
            each.add(uri);
        } else {
            throw new IllegalArgumentException(USAGE + uri);
        }
        List<RedisURI> parsed = new ArrayList<>();
        for (String one : each) {
            try {
                RedisURI u = RedisURI.create(one);
                if (u.getHost() == null || u.getHost().isEmpty()) {
                    throw new IllegalArgumentException("no host in " + one);
                }
                u.setTimeout(COMMAND_TIMEOUT);
                parsed.add(u);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(USAGE + uri + " (" + e.getMessage() + ")", e);
            }
        }
        return parsed;
    }

    /** True for {@code redis-cluster://}: a topic's keys then share one slot, and nothing is global. */
    public boolean cluster() {
        return cluster != null;
    }

    /** Connects now; throws when Redis cannot be reached. */
    public <K, V> Connection<K, V> connect(RedisCodec<K, V> codec) {
        if (cluster != null) {
            StatefulRedisClusterConnection<K, V> c = cluster.connect(codec);
            return new Connection<>(c, c.async());
        }
        StatefulRedisConnection<K, V> c = single.connect(codec);
        return new Connection<>(c, c.async());
    }

    /**
     * A pub/sub connection. In a cluster, {@code SSUBSCRIBE} goes to the shard of the channel's
     * slot, and messages from every shard are passed to this connection's listeners.
     */
    public <K, V> StatefulRedisPubSubConnection<K, V> connectPubSub(RedisCodec<K, V> codec) {
        if (cluster != null) {
            StatefulRedisClusterPubSubConnection<K, V> c = cluster.connectPubSub(codec);
            c.setNodeMessagePropagation(true);
            return c;
        }
        return single.connectPubSub(codec);
    }

    @Override
    public void close() {
        if (cluster != null) {
            cluster.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        } else {
            single.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
