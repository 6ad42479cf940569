package dev.halley.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.unix.IovArray;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The {@link HeldSocket}s of one event loop, and what they share there: one {@code iovec} array
 * to gather writes into and one scratch buffer to read what clients send into. A node drains and counts
 * its held sockets through these (they are in no channel group).
 *
 * <p>Confined to its loop, except {@link #size}, which {@code /status} and a drain read from
 * anywhere.
 */
final class HeldSockets {

    static final int SCRATCH_BYTES = 2048;
    /** Buffers one {@code writev} takes at most; a longer queue is written over several. */
    private static final int MAX_IOVECS = 1024;
    private static final FastThreadLocal<HeldSockets> LOOPS = new FastThreadLocal<>() {
        @Override
        protected void onRemoval(HeldSockets ended) {
            // The iovec array is native memory of its own, freed with the loop's thread.
            if (ended != null) {
                ended.iov.release();
            }
        }
    };

    private final EventLoop loop;
    private final IovArray iov = new IovArray(MAX_IOVECS);
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(SCRATCH_BYTES);
    /** The same memory as {@link #scratch}, as a {@link ByteBuf} for readers. */
    private final ByteBuf scratchView = Unpooled.wrappedBuffer(scratch);
    private HeldSocket[] sockets = new HeldSocket[16];
    private volatile int size;

    private HeldSockets(EventLoop loop) {
        this.loop = loop;
    }

    /** The held sockets of {@code loop}, which must be the caller's; made and shown to {@code admin} on first use. */
    static HeldSockets of(EventLoop loop, NodeAdmin admin) {
        if (!loop.inEventLoop()) {
            throw new IllegalStateException("a socket is held on its own loop");
        }
        HeldSockets held = LOOPS.get();
        if (held == null) {
            held = new HeldSockets(loop);
            LOOPS.set(held);
            admin.holdsOn(held);
        }
        return held;
    }

    /** How many sockets this loop holds now. */
    int size() {
        return size;
    }

    /** Asks every socket of this loop to finish as a drain does, on the loop. */
    void drainAll() {
        loop.execute(() -> {
            // From the end: a socket that closes at once leaves by swapping the last one in.
            for (int i = size - 1; i >= 0; i--) {
                if (i < size) {
                    sockets[i].drain();
                }
            }
        });
    }

    /** Closes every socket of this loop, on the loop. */
    void closeAll() {
        loop.execute(() -> {
            while (size > 0) {
                sockets[size - 1].close();
            }
        });
    }

    void add(HeldSocket socket) {
        if (size == sockets.length) {
            sockets = Arrays.copyOf(sockets, size * 2);
        }
        socket.registryIndex = size;
        sockets[size] = socket;
        size = size + 1;
    }

    /** Swap-removal: the last socket takes the hole, so leaving costs O(1). */
    void remove(HeldSocket socket) {
        int index = socket.registryIndex;
        if (index < 0) {
            return;
        }
        int last = size - 1;
        HeldSocket moved = sockets[last];
        sockets[index] = moved;
        moved.registryIndex = index;
        sockets[last] = null;
        socket.registryIndex = -1;
        size = last;
    }

    IovArray iov() {
        return iov;
    }

    ByteBuffer scratch() {
        return scratch;
    }

    /** The first {@code length} bytes of the scratch buffer, as just read into it. */
    ByteBuf scratchBytes(int length) {
        return scratchView.setIndex(0, length);
    }
}
