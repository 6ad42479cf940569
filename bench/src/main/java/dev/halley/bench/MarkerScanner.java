package dev.halley.bench;

import io.netty.buffer.ByteBuf;

/**
 * Finds the bench's payload marker {@code hb:<msgno>:<sendNanos>;} anywhere in a byte stream: in
 * a Halley JSON envelope, a raw nchan body, an SSE {@code data:} line or a WebSocket frame. The
 * state lives in three fields, so a marker split across reads is still found and a connection
 * costs no buffer.
 *
 * <p>Not thread-safe: one scanner per connection, used on that connection's event loop.
 */
final class MarkerScanner {

    /** Receives each complete marker. */
    interface Sink {
        void marker(long msgNo, long sendNanos);
    }

    private static final int MAX_DIGITS = 19;

    // 0 looking for 'h', 1 after 'h', 2 after "hb", 3 in msgno digits, 4 in sendNanos digits
    private byte state;
    private byte digits;
    private long msgNo;
    private long sendNanos;

    /** Scans the readable bytes of {@code buf} without moving its reader index. */
    void scan(ByteBuf buf, Sink sink) {
        int end = buf.writerIndex();
        for (int i = buf.readerIndex(); i < end; i++) {
            step(buf.getByte(i), sink);
        }
    }

    /** Forgets a partial marker, for a new response. */
    void reset() {
        state = 0;
    }

    private void step(byte b, Sink sink) {
        switch (state) {
            case 0 -> {
                if (b == 'h') {
                    state = 1;
                }
            }
            case 1 -> state = b == 'b' ? (byte) 2 : b == 'h' ? (byte) 1 : (byte) 0;
            case 2 -> {
                if (b == ':') {
                    state = 3;
                    digits = 0;
                    msgNo = 0;
                } else {
                    state = b == 'h' ? (byte) 1 : (byte) 0;
                }
            }
            case 3 -> {
                if (b >= '0' && b <= '9' && digits < MAX_DIGITS) {
                    msgNo = msgNo * 10 + (b - '0');
                    digits++;
                } else if (b == ':' && digits > 0) {
                    state = 4;
                    digits = 0;
                    sendNanos = 0;
                } else {
                    state = b == 'h' ? (byte) 1 : (byte) 0;
                }
            }
            default -> {
                if (b >= '0' && b <= '9' && digits < MAX_DIGITS) {
                    sendNanos = sendNanos * 10 + (b - '0');
                    digits++;
                } else {
                    if (b == ';' && digits > 0) {
                        sink.marker(msgNo, sendNanos);
                    }
                    state = b == 'h' ? (byte) 1 : (byte) 0;
                }
            }
        }
    }

    /** The marker text for a message. */
    static String marker(long msgNo, long sendNanos) {
        return "hb:" + msgNo + ':' + sendNanos + ';';
    }
}
