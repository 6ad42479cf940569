package dev.halley.edge;

import java.nio.charset.StandardCharsets;

/**
 * The lean accept path's request-head parser: it recognises the common subscribe, a plain
 * {@code GET /sub…} over HTTP/1.1, and nothing else. Whatever it is not sure Netty's codec would
 * read the same way (another method, path or version, a folded or oddly encoded header, a bare LF,
 * a body, an upgrade, an {@code Origin} for CORS, a head near the size limits) is
 * {@link #HAND_OFF}: Netty's pipeline then reads it from the first byte, as it reads any request.
 *
 * @param length the head's length in bytes, through its blank line
 * @param uri the request target as sent
 * @param accept the {@code Accept} header, or null
 * @param lastEventId the {@code Last-Event-ID} header, or null
 */
record SubscribeHead(int length, String uri, String accept, String lastEventId) {

    /** More bytes are needed to decide. */
    static final SubscribeHead INCOMPLETE = new SubscribeHead(-1, null, null, null);
    /** Not a plain subscribe, or not certainly one: Netty serves it. */
    static final SubscribeHead HAND_OFF = new SubscribeHead(-2, null, null, null);

    private static final byte[] START = "GET /sub".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] VERSION = " HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
    /** Headers that make the request something other than a plain subscribe, or need CORS. */
    private static final String[] HANDED_OFF = {"upgrade", "origin", "content-length", "transfer-encoding", "expect",
        "http2-settings"};
    /** Room left below Netty's limits, so a head the codec would refuse is never taken here. */
    private static final int LIMIT_MARGIN = 64;

    boolean complete() {
        return length >= 0;
    }

    /**
     * Reads {@code bytes[0, length)}: {@link #INCOMPLETE}, {@link #HAND_OFF}, or the complete head.
     *
     * @param maxLineBytes Netty's {@code --max-uri-length}
     * @param maxHeaderBytes Netty's {@code --max-header-size}
     */
    static SubscribeHead parse(byte[] bytes, int length, int maxLineBytes, int maxHeaderBytes) {
        for (int i = 0; i < START.length; i++) {
            if (i == length) {
                return INCOMPLETE;
            }
            if (bytes[i] != START[i]) {
                return HAND_OFF;
            }
        }
        int targetStart = START.length - 4;
        int i = START.length;
        if (i < length && bytes[i] != '/' && bytes[i] != '?' && bytes[i] != ' ') {
            return HAND_OFF;
        }
        while (i < length && bytes[i] != ' ') {
            if (!isTargetByte(bytes[i]) || i >= maxLineBytes - LIMIT_MARGIN) {
                return HAND_OFF;
            }
            i++;
        }
        int targetEnd = i;
        for (int v = 0; v < VERSION.length; v++, i++) {
            if (i >= maxLineBytes - LIMIT_MARGIN) {
                return HAND_OFF;
            }
            if (i == length) {
                return INCOMPLETE;
            }
            if (bytes[i] != VERSION[v]) {
                return HAND_OFF;
            }
        }
        String uri = new String(bytes, targetStart, targetEnd - targetStart, StandardCharsets.US_ASCII);
        int headersStart = i;
        String accept = null;
        String lastEventId = null;
        for (;;) {
            if (i - headersStart >= maxHeaderBytes - LIMIT_MARGIN) {
                return HAND_OFF;
            }
            if (i == length) {
                return INCOMPLETE;
            }
            if (bytes[i] == '\r') {
                if (i + 1 == length) {
                    return INCOMPLETE;
                }
                return bytes[i + 1] == '\n' ? new SubscribeHead(i + 2, uri, accept, lastEventId) : HAND_OFF;
            }
            int nameStart = i;
            while (i < length && isTokenByte(bytes[i])) {
                i++;
            }
            if (i == length) {
                return INCOMPLETE;
            }
            if (bytes[i] != ':' || i == nameStart) {
                return HAND_OFF;
            }
            int nameEnd = i++;
            int lineEnd = i;
            while (lineEnd < length && bytes[lineEnd] != '\r') {
                byte b = bytes[lineEnd];
                if (b != '\t' && (b < 0x20 || b > 0x7e)) {
                    return HAND_OFF;
                }
                lineEnd++;
            }
            if (lineEnd + 1 >= length) {
                return lineEnd - headersStart >= maxHeaderBytes - LIMIT_MARGIN ? HAND_OFF : INCOMPLETE;
            }
            if (bytes[lineEnd + 1] != '\n') {
                return HAND_OFF;
            }
            String name = new String(bytes, nameStart, nameEnd - nameStart, StandardCharsets.US_ASCII);
            String value = new String(bytes, i, lineEnd - i, StandardCharsets.US_ASCII).strip();
            for (String h : HANDED_OFF) {
                if (h.equalsIgnoreCase(name)) {
                    return HAND_OFF;
                }
            }
            if (name.equalsIgnoreCase("accept")) {
                if (accept != null) {
                    return HAND_OFF;
                }
                accept = value;
            } else if (name.equalsIgnoreCase("last-event-id")) {
                if (lastEventId != null) {
                    return HAND_OFF;
                }
                lastEventId = value;
            }
            i = lineEnd + 2;
        }
    }

    /** RFC 3986's characters of a path and query; anything else (a fragment, a space, 8-bit bytes) goes to Netty. */
    private static boolean isTargetByte(byte b) {
        return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || "-._~%!$&'()*+,;=:@/?".indexOf(b) >= 0;
    }

    /** RFC 9110's token characters, which a header name is made of. */
    private static boolean isTokenByte(byte b) {
        return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || "!#$%&'*+-.^_`|~".indexOf(b) >= 0;
    }
}
