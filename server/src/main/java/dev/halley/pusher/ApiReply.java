package dev.halley.pusher;

import java.nio.charset.StandardCharsets;

/**
 * The answer to one HTTP API request: JSON on success, a line of plain text on refusal, as
 * Pusher's own API answers.
 */
public record ApiReply(int status, String contentType, byte[] body) {

    static ApiReply json(String json) {
        return new ApiReply(200, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    static ApiReply refused(int status, String reason) {
        return new ApiReply(status, "text/plain; charset=utf-8", (reason + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
