package dev.halley.transport;

/** What a connection is currently used for; counted per loop in {@code /status}. */
enum Transport {
    LONGPOLL("longpoll"),
    JSONP("jsonp"),
    SSE("sse"),
    WEBSOCKET("websocket");

    final String word;

    Transport(String word) {
        this.word = word;
    }
}
