package dev.halley.loops;

import dev.halley.message.Topic;
import io.netty.channel.SingleThreadEventLoop;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One state object per event loop, each touched only on its own loop: the single home of the
 * share-nothing rule that the hub (subscribers) and the local broker (stored messages) both follow.
 * Work for a topic runs on the loop that owns it; counts are gathered from every loop without
 * stopping any of them.
 *
 * @param <S> the per-loop state; it needs no locks, since only its loop touches it
 */
public final class PerLoop<S> {

    private final Shards shards;
    private final List<S> states;

    public PerLoop(Shards shards, Supplier<S> newState) {
        this.shards = shards;
        List<S> created = new ArrayList<>(shards.count());
        for (int i = 0; i < shards.count(); i++) {
            created.add(newState.get());
        }
        this.states = List.copyOf(created);
    }

    public Shards shards() {
        return shards;
    }

    /** The state of {@code topic}'s loop; call only on that loop. */
    public S of(Topic topic) {
        return states.get(shards.indexOf(topic));
    }

    /** Runs {@code work} on {@code topic}'s loop: at once when already there, else as a task. */
    public void run(Topic topic, Consumer<S> work) {
        EventExecutor owner = shards.loopOf(topic);
        S state = of(topic);
        if (owner.inEventLoop()) {
            work.accept(state);
        } else {
            owner.execute(() -> work.accept(state));
        }
    }

    /**
     * Runs {@code work} as a task of its own on {@code topic}'s loop, never inline, so the caller
     * (a publisher's acknowledgement, say) never waits for it.
     */
    public void post(Topic topic, Consumer<S> work) {
        S state = of(topic);
        shards.loopOf(topic).execute(() -> work.accept(state));
    }

    /**
     * Runs {@code work} as a task on {@code topic}'s loop once that loop has next polled its sockets.
     * Work done in slices that each ask for the next this way lets the loop read and answer in
     * between; a plain task asked for from a task would run in the same pass over the queue, and
     * a loop passes over up to thousands of tasks before it reads again.
     */
    public void postAfterIo(Topic topic, Consumer<S> work) {
        EventExecutor owner = shards.loopOf(topic);
        S state = of(topic);
        Runnable task = () -> work.accept(state);
        if (owner instanceof SingleThreadEventLoop loop && loop.inEventLoop()) {
            // A loop's tail tasks run after its pass over the queue; the task queued from there
            // runs in the next pass, which follows the next poll.
            loop.executeAfterEventLoopIteration(() -> loop.execute(task));
        } else {
            owner.execute(task);
        }
    }

    /** Computes on {@code topic}'s loop (inline when already there); a thrown exception fails the result. */
    public <T> CompletableFuture<T> call(Topic topic, Function<S, T> work) {
        return call(shards.loopOf(topic), of(topic), work);
    }

    /** Runs {@code work} on every loop with that loop's state, e.g. to schedule a sweep per loop. */
    public void forEach(LoopWork<S> work) {
        for (int i = 0; i < states.size(); i++) {
            work.on(shards.loop(i), states.get(i));
        }
    }

    /**
     * Sums {@code counts} over every loop, each read on its own loop.
     *
     * @param width how many counts each state reports
     */
    public CompletionStage<long[]> sum(int width, Function<S, long[]> counts) {
        List<CompletableFuture<long[]>> perLoop = new ArrayList<>(states.size());
        for (int i = 0; i < states.size(); i++) {
            perLoop.add(call(shards.loop(i), states.get(i), counts));
        }
        return CompletableFuture.allOf(perLoop.toArray(CompletableFuture[]::new)).thenApply(done -> {
            long[] total = new long[width];
            for (CompletableFuture<long[]> f : perLoop) {
                long[] c = f.join();
                for (int k = 0; k < width; k++) {
                    total[k] += c[k];
                }
            }
            return total;
        });
    }

    /** What {@link #forEach} runs: given a loop and its state, on the calling thread. */
    @FunctionalInterface
    public interface LoopWork<S> {
        void on(EventExecutor loop, S state);
    }

    private static <S, T> CompletableFuture<T> call(EventExecutor loop, S state, Function<S, T> work) {
        if (loop.inEventLoop()) {
            try {
                return CompletableFuture.completedFuture(work.apply(state));
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                result.complete(work.apply(state));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }
}
