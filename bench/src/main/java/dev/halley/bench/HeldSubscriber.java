package dev.halley.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.concurrent.FastThreadLocal;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A stream subscriber's socket once its subscription stands, held outside Netty's channel
 * objects: from then on it only reads, so all it needs is its file descriptor registered straight
 * with its loop's epoll through {@link EpollIoHandle}, and its {@link Subscriber}'s marker
 * scanner. The channel it came from (pipeline, contexts, config, buffers, addresses: most of an
 * idle subscriber's heap) is deregistered and left to the garbage collector without being closed,
 * so the descriptor lives on here. The server holds its streams the same way.
 *
 * <p>What arrives is read into one scratch buffer per loop and scanned there. End of input or an
 * error closes the socket and counts as a reset, unless the run closes it on purpose. Confined to
 * its loop: every method but {@link #closeFromAnyThread} runs on it.
 */
final class HeldSubscriber implements EpollIoHandle, MarkerScanner.Sink {

    private static final int SCRATCH_BYTES = 4096;
    private static final EpollIoOps READ = EpollIoOps.EPOLLIN.with(EpollIoOps.EPOLLRDHUP);
    private static final FastThreadLocal<Scratch> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected Scratch initialValue() {
            ByteBuffer bytes = ByteBuffer.allocateDirect(SCRATCH_BYTES);
            return new Scratch(bytes, Unpooled.wrappedBuffer(bytes));
        }
    };

    /** A loop's read buffer: native memory for {@code read(2)}, and the same memory as a {@link ByteBuf} to scan. */
    private record Scratch(ByteBuffer bytes, ByteBuf view) {
    }

    private final FileDescriptor fd;
    private final IoEventLoop loop;
    private final SubscriberPool pool;
    private final Subscriber subscriber;
    private IoRegistration registration;
    private boolean closed;
    /**
     * True from {@link #hold} until the registration succeeded or failed: closing the descriptor
     * meanwhile would let the kernel give its number to a new connection, which the pending
     * registration would then take. Its close waits until then.
     */
    private boolean registering = true;

    private HeldSubscriber(FileDescriptor fd, IoEventLoop loop, SubscriberPool pool, Subscriber subscriber) {
        this.fd = fd;
        this.loop = loop;
        this.pool = pool;
        this.subscriber = subscriber;
    }

    /** Whether {@code channel} can leave Netty: an open epoll socket with nothing left to write. */
    static boolean canHold(Channel channel) {
        return channel instanceof EpollSocketChannel
                && channel.eventLoop() instanceof IoEventLoop
                && channel.isActive()
                && channel.unsafe().outboundBuffer() != null
                && channel.unsafe().outboundBuffer().totalPendingWriteBytes() == 0;
    }

    /**
     * Takes the descriptor of {@code channel} (which {@link #canHold}) away from Netty and
     * registers it with the same loop. Bytes Netty reads before its deregistration completes still
     * reach the channel's handler, which scans them with the same scanner, so none is missed or
     * scanned twice. Called on the channel's loop.
     */
    static void hold(Channel channel, SubscriberPool pool, Subscriber subscriber) {
        IoEventLoop loop = (IoEventLoop) channel.eventLoop();
        HeldSubscriber held = new HeldSubscriber(new FileDescriptor(((EpollSocketChannel) channel).fd().intValue()),
                loop, pool, subscriber);
        subscriber.held = held;
        subscriber.channel = null;
        // The descriptor must leave Netty's epoll registration before it joins ours under the same number.
        channel.deregister().addListener(deregistered -> {
            if (!channel.isOpen()) {
                // Netty read the end of input first and closed the descriptor; the handler counted it.
                held.registering = false;
                held.closed = true;
                return;
            }
            if (!deregistered.isSuccess()) {
                held.registrationFailed();
                return;
            }
            loop.register(held).addListener(registered -> {
                if (!registered.isSuccess()) {
                    held.registrationFailed();
                    return;
                }
                held.registered((IoRegistration) registered.getNow());
            });
        });
    }

    private void registered(IoRegistration r) {
        registering = false;
        registration = r;
        if (closed) {
            r.cancel();
            closeDescriptor();
            return;
        }
        // Level-triggered: what arrived between the deregistration and now is reported at once.
        r.submit(READ);
        pool.heldChanged(1);
    }

    private void registrationFailed() {
        registering = false;
        end(false);
        closeDescriptor();
    }

    @Override
    public FileDescriptor fd() {
        return fd;
    }

    @Override
    public void handle(IoRegistration r, IoEvent event) {
        // Any event (input, end of input, hang-up, error) is answered by reading until there is nothing more.
        Scratch scratch = SCRATCH.get();
        try {
            while (!closed) {
                int n = fd.read(scratch.bytes(), 0, SCRATCH_BYTES);
                if (n == 0) {
                    return;
                }
                if (n < 0) {
                    end(false);
                    return;
                }
                subscriber.scanner.scan(scratch.view().setIndex(0, n), this);
            }
        } catch (IOException e) {
            end(false);
        }
    }

    @Override
    public void marker(long msgNo, long sendNanos) {
        pool.marker(subscriber, msgNo, sendNanos);
    }

    /** Called by Netty when the loop shuts down: the run is over, so the close is on purpose. */
    @Override
    public void close() {
        end(true);
    }

    /** Closes the socket on purpose, from any thread: the work runs on the socket's loop. */
    void closeFromAnyThread() {
        loop.execute(this::close);
    }

    private void end(boolean onPurpose) {
        if (closed) {
            return;
        }
        closed = true;
        if (registration != null) {
            registration.cancel();
            pool.heldChanged(-1);
        }
        if (!registering) {
            closeDescriptor();
        }
        pool.closed(subscriber);
        if (!onPurpose) {
            pool.fail(subscriber, FailureCause.RESET);
        }
    }

    private void closeDescriptor() {
        try {
            fd.close();
        } catch (IOException e) {
            // Closing is all that was left to do with it; the run counts connections, not closes.
        }
    }
}
