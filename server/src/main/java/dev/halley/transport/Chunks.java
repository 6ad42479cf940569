package dev.halley.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 chunk framing done by hand, for the endless answers that drop their HTTP codec once
 * the head is written: an idle stream then keeps no codec state, and one framed event can be
 * written as it is by every connection that sends it.
 */
final class Chunks {

    /** Room for the size line: up to eight hex digits and CRLF. */
    private static final int MAX_HEAD = 10;

    /** The last chunk, which ends the answer; write a {@code duplicate()}. */
    static final ByteBuf LAST = Unpooled.unreleasableBuffer(
            Unpooled.copiedBuffer("0\r\n\r\n", StandardCharsets.US_ASCII).asReadOnly());

    private Chunks() {
    }

    /** A buffer to write one chunk's body into, with room for its size line; finish with {@link #end}. */
    static ByteBuf begin(ByteBufAllocator alloc, int bodyBytesHint) {
        ByteBuf chunk = alloc.buffer(MAX_HEAD + bodyBytesHint + 2);
        chunk.writerIndex(MAX_HEAD);
        chunk.readerIndex(MAX_HEAD);
        return chunk;
    }

    /** Frames the body written since {@link #begin}: the size line before it, CRLF after. */
    static ByteBuf end(ByteBuf chunk) {
        String sizeLine = Integer.toHexString(chunk.readableBytes()) + "\r\n";
        int start = chunk.readerIndex() - sizeLine.length();
        chunk.setCharSequence(start, sizeLine, StandardCharsets.US_ASCII);
        chunk.readerIndex(start);
        chunk.writeByte('\r').writeByte('\n');
        return chunk;
    }

    /** One chunk carrying {@code text} (ASCII). */
    static ByteBuf of(ByteBufAllocator alloc, String text) {
        ByteBuf chunk = begin(alloc, text.length());
        chunk.writeCharSequence(text, StandardCharsets.US_ASCII);
        return end(chunk);
    }

    /** A chunk carrying {@code text} that never changes, shared by every connection: write a {@code duplicate()}. */
    static ByteBuf constant(String text) {
        return Unpooled.unreleasableBuffer(of(UnpooledByteBufAllocator.DEFAULT, text).asReadOnly());
    }
}
