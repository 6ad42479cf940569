package dev.halley.bench;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.timeout.TimeoutException;
import java.io.IOException;
import java.net.ConnectException;

/** Why a connection or a request failed, as ab counts them. */
enum FailureCause {
    /** The TCP connect was refused or could not be made. */
    CONNECT("connect"),
    /** No subscription (or publish answer) within the timeout. */
    TIMEOUT("timeout"),
    /** The server closed or reset the connection before the run ended it. */
    RESET("reset"),
    /** The server answered with a status other than 2xx (or 101 for WebSocket). */
    NON_2XX("non2xx"),
    /** The answer could not be parsed. */
    PARSE("parse");

    /** The stable name used in reports. */
    final String word;

    FailureCause(String word) {
        this.word = word;
    }

    /** Classifies an exception from a connect attempt or an established connection. */
    static FailureCause of(Throwable t, boolean connected) {
        if (t instanceof ConnectTimeoutException || t instanceof TimeoutException) {
            return TIMEOUT;
        }
        if (t instanceof DecoderException) {
            return PARSE;
        }
        if (!connected && (t instanceof ConnectException || t instanceof IOException)) {
            return CONNECT;
        }
        return connected ? RESET : CONNECT;
    }
}
