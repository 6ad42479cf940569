package dev.halley.transport;

import dev.halley.message.Message;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.function.Function;

/**
 * The encoding of the latest message, once per event loop, shared by every stream on that loop
 * that sends it unchanged: a channel's fan-out reaches a loop's subscribers one after another, so
 * one slot per loop turns N encodings of the same message into one.
 *
 * <p>A Netty channel gets a retained duplicate ({@link #retainedFor}), since writing moves its
 * indexes; a {@link HeldSocket}, which never moves a queued buffer's indexes, gets the shared
 * buffer itself, retained ({@link #sharedFor}): one object fewer per delivery. Either is released
 * by writing it. The slot holds one reference of its own, released when the next message takes its
 * place or the loop's thread ends.
 */
final class SharedEncoding {

    /** The loop's current message and its encoding. */
    private record Slot(Message message, ByteBuf encoded) {
    }

    private final Function<Message, ByteBuf> encoder;
    private final FastThreadLocal<Slot> slot = new FastThreadLocal<>() {
        @Override
        protected void onRemoval(Slot last) {
            if (last != null) {
                last.encoded.release();
            }
        }
    };

    /** @param encoder builds the bytes every stream sends for a message, framing included */
    SharedEncoding(Function<Message, ByteBuf> encoder) {
        this.encoder = encoder;
    }

    /** The encoding of {@code message}, to be written once by the caller. Called on an event loop. */
    ByteBuf retainedFor(Message message) {
        return encoded(message).retainedDuplicate();
    }

    /**
     * The encoding of {@code message} itself, retained, for a writer that reads it without moving
     * its indexes ({@link HeldSocket#write}). Called on an event loop.
     */
    ByteBuf sharedFor(Message message) {
        return encoded(message).retain();
    }

    private ByteBuf encoded(Message message) {
        Slot current = slot.get();
        if (current == null || current.message != message) {
            ByteBuf encoded = encoder.apply(message);
            if (current != null) {
                current.encoded.release();
            }
            current = new Slot(message, encoded);
            slot.set(current);
        }
        return current.encoded;
    }
}
