package dev.halley.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.nio.charset.StandardCharsets;

/**
 * Reads what a WebSocket client sends on a {@link HeldSocket} (RFC 6455 section 5): masked frames,
 * fragmented messages put back together, control frames between fragments. It checks what Netty's
 * frame decoder and aggregator check on a channel: a frame or message past {@code maxMessageBytes}
 * fails with 1009, text that is not UTF-8 (checked on the whole message, so a character may span
 * fragments) or a bad close reason with 1007, anything else out of order with 1002.
 *
 * <p>An idle reader keeps no buffer: the bytes of a partial frame are copied only when a read ends
 * inside one, and a message's fragments only while it is incomplete. After a close frame or a
 * failure it reads nothing more. Confined to the socket's loop.
 */
final class ClientFrameReader implements HeldSocket.Reader {

    /** What the reader found; called on the loop. */
    interface Peer {
        /** A whole text message, valid UTF-8. */
        void text(String text);

        /** A whole binary message, which this protocol does not understand. */
        void binary();

        /** A ping: answer it with a pong carrying {@code payload} (valid only during the call). */
        void ping(ByteBuf payload);

        /** Any frame arrived whole: the peer is alive. */
        void heard();

        /** A close frame: echo {@code payload} (valid only during the call) and close. */
        void closing(ByteBuf payload);

        /** The client broke the protocol: close with {@code status}. */
        void failed(WebSocketCloseStatus status);
    }

    private static final int CONTINUATION = 0x0;
    private static final int TEXT = 0x1;
    private static final int BINARY = 0x2;
    private static final int CLOSE = 0x8;
    private static final int PING = 0x9;
    private static final int PONG = 0xA;
    /** A control frame carries at most this much (RFC 6455 section 5.5). */
    private static final int MAX_CONTROL_PAYLOAD = 125;

    private final Peer peer;
    private final int maxMessageBytes;
    /** The start of a frame a read ended inside; null otherwise. */
    private ByteBuf partial;
    /** The fragments of an unfinished message; null between messages. */
    private ByteBuf fragments;
    private int fragmentsOpcode;
    private boolean done;

    ClientFrameReader(Peer peer, int maxMessageBytes) {
        this.peer = peer;
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    public void read(ByteBuf bytes) {
        if (done) {
            return;
        }
        ByteBuf in = bytes;
        if (partial != null) {
            partial.writeBytes(bytes);
            in = partial;
        }
        while (!done && frame(in)) {
            // Each pass took one whole frame.
        }
        if (done) {
            releasePartial();
            return;
        }
        if (!in.isReadable()) {
            releasePartial();
        } else if (partial == null) {
            partial = ByteBufAllocator.DEFAULT.heapBuffer(in.readableBytes());
            partial.writeBytes(in);
        } else {
            partial.discardReadBytes();
        }
    }

    /** Frees what is buffered; the socket closed. */
    void release() {
        done = true;
        releasePartial();
        releaseFragments();
    }

    /** Takes one frame from {@code in} if it holds a whole one; returns whether it did. */
    private boolean frame(ByteBuf in) {
        int start = in.readerIndex();
        int readable = in.readableBytes();
        if (readable < 2) {
            return false;
        }
        int b0 = in.getUnsignedByte(start);
        int b1 = in.getUnsignedByte(start + 1);
        boolean fin = (b0 & 0x80) != 0;
        int opcode = b0 & 0x0F;
        if ((b0 & 0x70) != 0 || (b1 & 0x80) == 0 || !known(opcode)) {
            // Reserved bits without an extension, an unmasked client frame, an unknown opcode.
            fail(WebSocketCloseStatus.PROTOCOL_ERROR);
            return false;
        }
        boolean control = (opcode & 0x8) != 0;
        int length7 = b1 & 0x7F;
        if (control && (!fin || length7 > MAX_CONTROL_PAYLOAD)) {
            fail(WebSocketCloseStatus.PROTOCOL_ERROR);
            return false;
        }
        int lengthBytes = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
        int header = 2 + lengthBytes + 4;
        if (readable < header) {
            return false;
        }
        long length = lengthBytes == 0 ? length7
                : lengthBytes == 2 ? in.getUnsignedShort(start + 2) : in.getLong(start + 2);
        if (length < 0) {
            fail(WebSocketCloseStatus.PROTOCOL_ERROR);
            return false;
        }
        long messageSoFar = opcode == CONTINUATION && fragments != null ? fragments.readableBytes() : 0;
        if (!control && length + messageSoFar > maxMessageBytes) {
            fail(WebSocketCloseStatus.MESSAGE_TOO_BIG);
            return false;
        }
        if (readable < header + length) {
            return false;
        }
        int payloadStart = start + header;
        int size = (int) length;
        unmask(in, in.getInt(payloadStart - 4), payloadStart, size);
        ByteBuf payload = in.slice(payloadStart, size);
        in.readerIndex(payloadStart + size);
        peer.heard();
        if (control) {
            controlFrame(opcode, payload);
        } else {
            dataFrame(opcode, fin, payload);
        }
        return true;
    }

    private static boolean known(int opcode) {
        return opcode == CONTINUATION || opcode == TEXT || opcode == BINARY
                || opcode == CLOSE || opcode == PING || opcode == PONG;
    }

    /** Unmasks in place: the bytes are this reader's copy or the loop's scratch, read for it alone. */
    private static void unmask(ByteBuf in, int mask, int from, int length) {
        int i = 0;
        for (; i + 4 <= length; i += 4) {
            in.setInt(from + i, in.getInt(from + i) ^ mask);
        }
        for (; i < length; i++) {
            in.setByte(from + i, in.getByte(from + i) ^ (mask >>> (24 - 8 * (i & 3))));
        }
    }

    private void controlFrame(int opcode, ByteBuf payload) {
        if (opcode == PING) {
            peer.ping(payload);
        } else if (opcode == CLOSE) {
            closeFrame(payload);
        }
    }

    /** As Netty's decoder checks a close frame: a status that may be sent, then a UTF-8 reason. */
    private void closeFrame(ByteBuf payload) {
        if (payload.readableBytes() == 1
                || payload.readableBytes() >= 2 && !WebSocketCloseStatus.isValidStatusCode(payload.getUnsignedShort(payload.readerIndex()))) {
            fail(WebSocketCloseStatus.PROTOCOL_ERROR);
            return;
        }
        if (payload.readableBytes() > 2
                && !ByteBufUtil.isText(payload.slice(payload.readerIndex() + 2, payload.readableBytes() - 2), StandardCharsets.UTF_8)) {
            fail(WebSocketCloseStatus.INVALID_PAYLOAD_DATA);
            return;
        }
        done = true;
        releaseFragments();
        peer.closing(payload);
    }

    private void dataFrame(int opcode, boolean fin, ByteBuf payload) {
        if ((opcode == CONTINUATION) != (fragments != null)) {
            // A continuation with no message begun, or a new message inside an unfinished one.
            fail(WebSocketCloseStatus.PROTOCOL_ERROR);
            return;
        }
        if (opcode == CONTINUATION) {
            fragments.writeBytes(payload);
            if (fin) {
                ByteBuf whole = fragments;
                fragments = null;
                try {
                    message(fragmentsOpcode, whole);
                } finally {
                    whole.release();
                }
            }
            return;
        }
        if (fin) {
            message(opcode, payload);
            return;
        }
        fragments = ByteBufAllocator.DEFAULT.heapBuffer(Math.max(payload.readableBytes(), 64));
        fragments.writeBytes(payload);
        fragmentsOpcode = opcode;
    }

    private void message(int opcode, ByteBuf payload) {
        if (opcode == BINARY) {
            peer.binary();
            return;
        }
        if (!ByteBufUtil.isText(payload, StandardCharsets.UTF_8)) {
            fail(WebSocketCloseStatus.INVALID_PAYLOAD_DATA);
            return;
        }
        peer.text(payload.toString(StandardCharsets.UTF_8));
    }

    private void fail(WebSocketCloseStatus status) {
        release();
        peer.failed(status);
    }

    private void releasePartial() {
        if (partial != null) {
            partial.release();
            partial = null;
        }
    }

    private void releaseFragments() {
        if (fragments != null) {
            fragments.release();
            fragments = null;
        }
    }
}
