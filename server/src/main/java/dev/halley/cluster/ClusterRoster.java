package dev.halley.cluster;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The live nodes as Redis knows them. A node is live while its hash {@code halley:node:<id>}
 * exists: each heartbeat rewrites it with a time to live of {@link #NODE_TTL_MILLIS}, so a node
 * that stops (or dies) disappears by itself, with no clock shared between machines. The set
 * {@code halley:nodes} only lists candidates; members whose hash is gone are removed on read.
 */
public final class ClusterRoster {

    static final String NODES_KEY = "halley:nodes";
    static final long HEARTBEAT_MILLIS = 2000;
    static final long NODE_TTL_MILLIS = 6000;

    private ClusterRoster() {
    }

    static String nodeKey(String id) {
        return "halley:node:" + id;
    }

    /** Live nodes sorted by id; completes exceptionally when Redis cannot be read. */
    public static CompletionStage<List<NodeRecord>> live(RedisClusterAsyncCommands<String, String> redis) {
        return redis.smembers(NODES_KEY).thenCompose(ids -> {
            List<CompletableFuture<NodeRecord>> reads = new ArrayList<>();
            for (String id : ids) {
                reads.add(redis.hgetall(nodeKey(id)).thenApply(fields -> {
                    if (fields.isEmpty()) {
                        redis.srem(NODES_KEY, id);
                        return null;
                    }
                    return NodeRecord.fromFields(fields);
                }).toCompletableFuture());
            }
            return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(done -> {
                List<NodeRecord> nodes = new ArrayList<>();
                for (CompletableFuture<NodeRecord> r : reads) {
                    if (r.join() != null) {
                        nodes.add(r.join());
                    }
                }
                nodes.sort(Comparator.comparing(NodeRecord::id));
                return nodes;
            });
        });
    }
}
