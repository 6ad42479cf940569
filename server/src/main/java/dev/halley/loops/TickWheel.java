package dev.halley.loops;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * One timer per event loop for a periodic check of all its connections (heartbeats, activity
 * checks), instead of a scheduled task per connection: an idle connection then costs a slot in an
 * array rather than a timer object in the loop's queue. Each use keeps its own instance (a node's
 * heartbeats and its Pusher activity checks run at different periods).
 *
 * <p>The period is cut into {@value #SLOTS} ticks; a member joins the slot just served, so it first
 * ticks one period after it joined, and members that joined at different times tick at different
 * ticks rather than all at once. Each loop's wheel is confined to that loop: members join and leave
 * on their channel's loop, which is the wheel's.
 */
public final class TickWheel {

    /**
     * What ticks. It keeps its place on the wheel in one int field of its own (so joining
     * allocates nothing): {@code -1} off the wheel, else {@code index * SLOTS + slot}.
     */
    public interface Member {
        /** Called on the member's loop once per period while it is on the wheel; may leave the wheel. */
        void beat();

        int wheelPosition();

        void wheelPosition(int position);
    }

    private static final int SLOTS = 8;

    private final FastThreadLocal<LoopWheel> wheels = new FastThreadLocal<>();

    /**
     * Puts {@code member} on the wheel of {@code loop}, which must be the caller's loop. The first
     * member on a loop starts that loop's wheel with {@code period}; a node gives all its loops the same.
     */
    public void join(EventLoop loop, Duration period, Member member) {
        if (!loop.inEventLoop()) {
            throw new IllegalStateException("a member joins the tick wheel on its own loop");
        }
        LoopWheel wheel = wheels.get();
        if (wheel == null) {
            wheel = new LoopWheel(loop, period);
            wheels.set(wheel);
        }
        wheel.add(member);
    }

    /** Takes {@code member} off its loop's wheel, if it is on one. Called on the member's loop. */
    public void leave(Member member) {
        LoopWheel wheel = wheels.getIfExists();
        if (wheel != null && member.wheelPosition() >= 0) {
            wheel.remove(member);
        }
    }

    private static final class LoopWheel {

        private final Member[][] slots = new Member[SLOTS][];
        private final int[] sizes = new int[SLOTS];
        private int current;

        LoopWheel(EventLoop loop, Duration period) {
            for (int i = 0; i < SLOTS; i++) {
                slots[i] = new Member[4];
            }
            long tickNanos = Math.max(1, period.toNanos() / SLOTS);
            loop.scheduleAtFixedRate(this::tick, tickNanos, tickNanos, TimeUnit.NANOSECONDS);
        }

        void add(Member member) {
            int slot = current;
            if (sizes[slot] == slots[slot].length) {
                slots[slot] = Arrays.copyOf(slots[slot], sizes[slot] * 2);
            }
            member.wheelPosition(sizes[slot] * SLOTS + slot);
            slots[slot][sizes[slot]++] = member;
        }

        /** Swap-removal: the slot's last member takes the hole, so leaving costs O(1). */
        void remove(Member member) {
            int slot = member.wheelPosition() % SLOTS;
            int index = member.wheelPosition() / SLOTS;
            Member[] members = slots[slot];
            int last = --sizes[slot];
            Member moved = members[last];
            members[index] = moved;
            moved.wheelPosition(index * SLOTS + slot);
            members[last] = null;
            member.wheelPosition(-1);
        }

        void tick() {
            current = (current + 1) % SLOTS;
            Member[] members = slots[current];
            // From the end: a beat may close its member, which leaves by swapping the last one in.
            for (int i = sizes[current] - 1; i >= 0; i--) {
                if (i < sizes[current]) {
                    members[i].beat();
                }
            }
        }
    }
}
