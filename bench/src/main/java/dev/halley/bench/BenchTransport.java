package dev.halley.bench;

/** How a subscriber connection receives. */
public enum BenchTransport {
    /** A plain GET held until a message is there; re-sent with the cursor after each answer. */
    LONGPOLL,
    /** {@code Accept: text/event-stream}, one long response. */
    SSE,
    /** {@code Upgrade: websocket}; the frames' bytes are scanned for markers. */
    WS,
    /**
     * MegaComet's {@code GET /{id}.js} long-poll on worker port {@code base + hash(id) % workers},
     * where hash is {@link String#hashCode()} of the client id and the remainder is taken with
     * {@link Math#floorMod(int, int)}.
     */
    MEGACOMET,
    /**
     * The Pusher protocol's WebSocket ({@code /app/{key}?protocol=7}): after the 101 the
     * subscriber sends {@code pusher:subscribe} for the channel named by the URL's own
     * {@code channel} query parameter (the server ignores it), e.g.
     * {@code --sub-url 'http://127.0.0.1:8080/app/KEY?protocol=7&channel={id}'}.
     */
    PUSHER;

    /** Whether subscribers open a WebSocket. */
    boolean webSocket() {
        return this == WS || this == PUSHER;
    }

    public String word() {
        return name().toLowerCase();
    }

    /** Whether each answer ends the request, so the client asks again (long-poll style). */
    boolean polls() {
        return this == LONGPOLL || this == MEGACOMET;
    }

    /** The MegaComet worker a client id is served by: {@code floorMod(id.hashCode(), workers)}. */
    static int megacometWorker(String clientId, int workers) {
        return Math.floorMod(clientId.hashCode(), workers);
    }
}
