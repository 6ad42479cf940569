package dev.halley.loops;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * One timer per event loop for the one-off deadlines of all its members (the timeouts of held
 * long-polls), instead of a scheduled task per member: a member costs a slot in a binary heap
 * ordered by deadline and an int of its own, and the loop keeps one Netty timer, set for the
 * earliest deadline. Unlike {@link TickWheel}, whose period fits heartbeats, a deadline here is
 * met to the loop's timer precision whatever its length (a {@code timeout=50ms} poll as well as
 * a ten-minute one).
 *
 * <p>Adding an earlier deadline than any moves the timer; removing one leaves it (the timer then
 * finds nothing due, and sets itself for the new earliest). Each loop's heap is confined to that
 * loop: members join and leave on it.
 */
public final class Deadlines {

    /**
     * What has a deadline. It keeps its place in the heap in one int field of its own (so joining
     * allocates nothing): {@code -1} when not in it.
     */
    public interface Member {
        /** When it is due, on {@link System#nanoTime}'s scale; fixed while it is in the heap. */
        long deadlineNanos();

        /** Called on the member's loop once its deadline has passed; it has left the heap by then. */
        void expired();

        int heapIndex();

        void heapIndex(int index);
    }

    private final FastThreadLocal<LoopHeap> heaps = new FastThreadLocal<>();

    /** Adds {@code member} to the heap of {@code loop}, which must be the caller's loop. */
    public void add(EventLoop loop, Member member) {
        if (!loop.inEventLoop()) {
            throw new IllegalStateException("a member joins its loop's deadlines on that loop");
        }
        LoopHeap heap = heaps.get();
        if (heap == null) {
            heap = new LoopHeap(loop);
            heaps.set(heap);
        }
        heap.add(member);
    }

    /** Takes {@code member} out of its loop's heap, if it is in it. Called on the member's loop. */
    public void remove(Member member) {
        LoopHeap heap = heaps.getIfExists();
        if (heap != null && member.heapIndex() >= 0) {
            heap.remove(member.heapIndex());
        }
    }

    private static final class LoopHeap {

        private final EventLoop loop;
        private final Runnable fire = this::fire;
        private Member[] heap = new Member[16];
        private int size;
        private ScheduledFuture<?> timer;
        /** The deadline {@link #timer} is set for; meaningful only while it is set. */
        private long timerDeadlineNanos;

        LoopHeap(EventLoop loop) {
            this.loop = loop;
        }

        void add(Member member) {
            if (size == heap.length) {
                heap = Arrays.copyOf(heap, size * 2);
            }
            place(member, size++);
            siftUp(size - 1);
            long deadline = member.deadlineNanos();
            if (timer == null || deadline - timerDeadlineNanos < 0) {
                setTimer(deadline);
            }
        }

        void remove(int index) {
            Member removed = heap[index];
            int last = --size;
            if (index != last) {
                place(heap[last], index);
                heap[last] = null;
                siftDown(index);
                siftUp(index);
            } else {
                heap[last] = null;
            }
            removed.heapIndex(-1);
        }

        private void fire() {
            timer = null;
            long now = System.nanoTime();
            while (size > 0 && heap[0].deadlineNanos() - now <= 0) {
                Member due = heap[0];
                remove(0);
                due.expired();
            }
            if (size > 0 && timer == null) {
                setTimer(heap[0].deadlineNanos());
            }
        }

        private void setTimer(long deadlineNanos) {
            if (timer != null) {
                timer.cancel(false);
            }
            timerDeadlineNanos = deadlineNanos;
            timer = loop.schedule(fire, Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        }

        private void siftUp(int index) {
            Member member = heap[index];
            while (index > 0) {
                int parent = (index - 1) >>> 1;
                if (heap[parent].deadlineNanos() - member.deadlineNanos() <= 0) {
                    break;
                }
                place(heap[parent], index);
                index = parent;
            }
            place(member, index);
        }

        private void siftDown(int index) {
            Member member = heap[index];
            for (;;) {
                int child = 2 * index + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && heap[child + 1].deadlineNanos() - heap[child].deadlineNanos() < 0) {
                    child++;
                }
                if (member.deadlineNanos() - heap[child].deadlineNanos() <= 0) {
                    break;
                }
                place(heap[child], index);
                index = child;
            }
            place(member, index);
        }

        private void place(Member member, int index) {
            heap[index] = member;
            member.heapIndex(index);
        }
    }
}
