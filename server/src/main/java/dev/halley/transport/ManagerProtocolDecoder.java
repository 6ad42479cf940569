package dev.halley.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * MegaComet's app protocol on the manager port: {@code 0x02}, client id, {@code 0x00}, message,
 * {@code 0x00}, repeated. Emits one {@link Publication} per complete frame; a frame that breaks
 * the format or a limit is a {@link CorruptedFrameException}, and the connection is closed.
 */
final class ManagerProtocolDecoder extends ByteToMessageDecoder {

    static final byte PUBLISH = 2;

    /** One decoded frame: publish {@code message} to client {@code clientId}. */
    record Publication(String clientId, String message) {
    }

    private final int maxIdBytes;
    private final int maxMessageBytes;

    ManagerProtocolDecoder(int maxIdBytes, int maxMessageBytes) {
        this.maxIdBytes = maxIdBytes;
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            int start = in.readerIndex();
            if (in.getByte(start) != PUBLISH) {
                throw corrupt(in, "a frame starts with byte 2, got " + in.getByte(start));
            }
            int idEnd = in.indexOf(start + 1, Math.min(in.writerIndex(), start + 2 + maxIdBytes), (byte) 0);
            if (idEnd < 0) {
                if (in.writerIndex() - start > maxIdBytes + 1) {
                    throw corrupt(in, "client id longer than " + maxIdBytes + " bytes");
                }
                return;
            }
            int messageEnd = in.indexOf(idEnd + 1, Math.min(in.writerIndex(), idEnd + 2 + maxMessageBytes), (byte) 0);
            if (messageEnd < 0) {
                if (in.writerIndex() - idEnd - 1 > maxMessageBytes) {
                    throw corrupt(in, "message longer than " + maxMessageBytes + " bytes");
                }
                return;
            }
            String id = utf8(in, start + 1, idEnd - start - 1, "client id");
            String message = utf8(in, idEnd + 1, messageEnd - idEnd - 1, "message");
            in.readerIndex(messageEnd + 1);
            out.add(new Publication(id, message));
        }
    }

    /**
     * Decodes strictly: invalid UTF-8 refuses the frame, as the HTTP publish API refuses a body
     * that is not UTF-8, rather than altering the message with replacement characters.
     */
    private static String utf8(ByteBuf in, int index, int length, String what) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(in.nioBuffer(index, length))
                    .toString();
        } catch (CharacterCodingException e) {
            throw corrupt(in, what + " is not valid UTF-8");
        }
    }

    /** Discards the rest of the input, so closing the connection does not decode the same garbage again. */
    private static CorruptedFrameException corrupt(ByteBuf in, String reason) {
        in.skipBytes(in.readableBytes());
        return new CorruptedFrameException(reason);
    }
}
