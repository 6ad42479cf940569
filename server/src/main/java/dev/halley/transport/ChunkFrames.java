package dev.halley.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;

/**
 * Sits at the head of an HTTP/2 stream's pipeline and turns the HTTP/1.1 chunks that endless
 * answers frame by hand ({@link Chunks}) into DATA frames: the chunk's body becomes the frame's,
 * sliced, never copied, so one shared encoding still serves HTTP/1.1 and HTTP/2 subscribers
 * alike. The last chunk ends the stream (Netty's flow controller may merge it into the DATA frame
 * before, so a client sees END_STREAM on that one). Anything else (HTTP/2 frames the codec made) passes.
 *
 * <p>A written buffer holds whole chunks only: every writer builds them with {@link Chunks}. Its
 * bytes count toward the connection's unsent bytes ({@link Http2Guard#queued}) until the write
 * completes: the DATA frames have reached the socket, or failed with their stream.
 */
final class ChunkFrames extends ChannelOutboundHandlerAdapter {

    static final String NAME = "chunk-frames";

    private final Http2Guard connection;

    ChunkFrames(Http2Guard connection) {
        this.connection = connection;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf chunks)) {
            ctx.write(msg, promise);
            return;
        }
        try {
            if (!chunks.isReadable()) {
                // An empty write (a flush marker before a close) has nothing to frame.
                promise.trySuccess();
                return;
            }
            int bytes = chunks.readableBytes();
            promise = promise.unvoid();
            promise.addListener(f -> connection.sent(bytes));
            connection.queued(bytes);
            while (chunks.isReadable()) {
                int size = chunkSize(chunks);
                if (size == 0) {
                    // The last chunk ends the answer: nothing after it is sent.
                    ctx.write(new DefaultHttp2DataFrame(true), promise);
                    chunks.skipBytes(chunks.readableBytes());
                    return;
                }
                ByteBuf body = chunks.readRetainedSlice(size);
                chunks.skipBytes(2);
                ctx.write(new DefaultHttp2DataFrame(body, false), chunks.isReadable() ? ctx.voidPromise() : promise);
            }
        } finally {
            chunks.release();
        }
    }

    /** Reads a chunk's size line ({@code <hex>\r\n}) and returns the size. */
    private static int chunkSize(ByteBuf in) {
        int size = 0;
        while (true) {
            byte b = in.readByte();
            if (b == '\r') {
                in.skipBytes(1);
                return size;
            }
            size = size * 16 + Character.digit(b, 16);
        }
    }
}
