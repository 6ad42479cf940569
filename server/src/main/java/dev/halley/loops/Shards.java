package dev.halley.loops;

import dev.halley.message.Topic;
import io.netty.util.concurrent.EventExecutor;
import java.util.List;

/**
 * The event loops of one node and which of them owns each topic.
 *
 * <p>Every topic is owned by exactly one loop, chosen by hashing its name as MegaComet hashed
 * client ids to its workers. All state of a topic (its log, its subscribers) is touched only on
 * that loop, which is what lets the hot path run without locks.
 */
public final class Shards {

    private final List<EventExecutor> loops;

    public Shards(List<? extends EventExecutor> loops) {
        if (loops.isEmpty()) {
            throw new IllegalArgumentException("at least one loop is needed");
        }
        this.loops = List.copyOf(loops);
    }

    public int count() {
        return loops.size();
    }

    public EventExecutor loop(int index) {
        return loops.get(index);
    }

    public List<EventExecutor> loops() {
        return loops;
    }

    public int indexOf(Topic topic) {
        int h = topic.name().hashCode() * 31 + topic.kind().ordinal();
        h ^= h >>> 16;
        h *= 0x45d9f3b;
        h ^= h >>> 16;
        return Math.floorMod(h, loops.size());
    }

    public EventExecutor loopOf(Topic topic) {
        return loops.get(indexOf(topic));
    }
}
