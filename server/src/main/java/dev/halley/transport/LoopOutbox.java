package dev.halley.transport;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one event loop sends at the end of its turn: work for connections on other loops, one task
 * per loop however much it holds, and the connections it wrote to, each flushed once.
 *
 * <p>A channel's fan-out runs on the channel's owning loop and reaches thousands of connections,
 * most of them on other loops. One task and one flush per connection per message cost a queue
 * offer and a write syscall each; gathered here, a loop hands each other loop one task per turn,
 * and a connection that got several messages in one turn is written with one syscall. The end of a
 * turn is a task queued behind the work already waiting, so batches grow by themselves under load
 * and add no delay when the loop is idle.
 *
 * <p>Confined to its loop's thread; {@link #current} finds it.
 */
final class LoopOutbox {

    private static final Logger log = LoggerFactory.getLogger(LoopOutbox.class);
    private static final FastThreadLocal<LoopOutbox> OUTBOXES = new FastThreadLocal<>();

    /** A connection whose writes wait for the end of the turn to be flushed. */
    interface Flushable {
        /** Flushes what was written since the last call. Called once per turn it asked for. */
        void flushNow();
    }

    private final EventLoop loop;
    private final Map<EventExecutor, List<Runnable>> handOffs = new IdentityHashMap<>();
    private final List<Flushable> toFlush = new ArrayList<>();
    private boolean turnEndQueued;

    private LoopOutbox(EventLoop loop) {
        this.loop = loop;
    }

    /**
     * The outbox of the loop running the caller, or null when the caller's thread is none of
     * {@code loops} (work then goes to its loop directly, unbatched).
     */
    static LoopOutbox current(EventLoopGroup loops) {
        LoopOutbox outbox = OUTBOXES.get();
        if (outbox != null) {
            return outbox;
        }
        for (EventExecutor e : loops) {
            if (e.inEventLoop() && e instanceof EventLoop loop) {
                outbox = new LoopOutbox(loop);
                OUTBOXES.set(outbox);
                return outbox;
            }
        }
        return null;
    }

    /**
     * Runs {@code work} on {@code target}: now if that is this loop, else at the end of this turn
     * in one task with everything else this turn sends there, in the order it was posted.
     */
    void post(EventLoop target, Runnable work) {
        if (target == loop) {
            work.run();
            return;
        }
        handOffs.computeIfAbsent(target, t -> new ArrayList<>()).add(work);
        endTurnLater();
    }

    /** Flushes {@code connection} at the end of this turn; the caller asks once per turn. */
    void flushLater(Flushable connection) {
        toFlush.add(connection);
        endTurnLater();
    }

    private void endTurnLater() {
        if (!turnEndQueued) {
            turnEndQueued = true;
            loop.execute(this::endTurn);
        }
    }

    private void endTurn() {
        turnEndQueued = false;
        for (Map.Entry<EventExecutor, List<Runnable>> e : handOffs.entrySet()) {
            List<Runnable> batch = e.getValue();
            if (!batch.isEmpty()) {
                e.setValue(new ArrayList<>());
                e.getKey().execute(() -> runAll(batch));
            }
        }
        for (int i = 0; i < toFlush.size(); i++) {
            toFlush.get(i).flushNow();
        }
        toFlush.clear();
    }

    /** One failing delivery must not keep the rest of the batch from their connections. */
    private static void runAll(List<Runnable> batch) {
        for (Runnable work : batch) {
            try {
                work.run();
            } catch (RuntimeException e) {
                log.warn("event=delivery_failed cause={}", e.toString(), e);
            }
        }
    }
}
