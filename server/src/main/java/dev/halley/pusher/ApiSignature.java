package dev.halley.pusher;

import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The signature every Pusher HTTP API request carries, checked as the server SDKs make it:
 * {@code auth_signature} is HMAC-SHA256(secret, {@code METHOD\nPATH\nQUERY}) where QUERY is every
 * other parameter, keys lower case, sorted by key, as {@code key=value} joined by {@code &};
 * {@code body_md5} is the body's MD5 and {@code auth_timestamp} must lie within
 * {@value #MAX_CLOCK_SKEW_SECONDS}s of this node's clock.
 */
final class ApiSignature {

    static final long MAX_CLOCK_SKEW_SECONDS = 600;

    private final Clock clock;

    ApiSignature(Clock clock) {
        this.clock = clock;
    }

    /** Refuses (401) a request not signed by {@code app}. */
    void check(PusherApp app, String method, String path, Map<String, List<String>> params, byte[] body)
            throws ApiRefused {
        if (!app.key().equals(ApiRefused.single(params, "auth_key"))) {
            throw new ApiRefused(401, "Unknown auth_key");
        }
        String timestamp = ApiRefused.single(params, "auth_timestamp");
        long seconds;
        try {
            seconds = Long.parseLong(timestamp == null ? "" : timestamp);
        } catch (NumberFormatException e) {
            throw new ApiRefused(401, "auth_timestamp must be seconds since the epoch");
        }
        long now = clock.millis() / 1000;
        if (Math.abs(now - seconds) > MAX_CLOCK_SKEW_SECONDS) {
            throw new ApiRefused(401, "Timestamp expired: Given timestamp (" + seconds + ") not within " + MAX_CLOCK_SKEW_SECONDS
                    + "s of server time (" + now + ")");
        }
        if (!"1.0".equals(ApiRefused.single(params, "auth_version"))) {
            throw new ApiRefused(401, "auth_version must be 1.0");
        }
        if (body.length > 0 && !Signatures.same(Signatures.md5Hex(body), ApiRefused.single(params, "body_md5"))) {
            throw new ApiRefused(401, "body_md5 does not match the body");
        }
        Map<String, String> sorted = new TreeMap<>();
        for (Map.Entry<String, List<String>> e : params.entrySet()) {
            if (!e.getKey().equals("auth_signature") && !e.getValue().isEmpty()) {
                sorted.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue().get(0));
            }
        }
        StringBuilder query = new StringBuilder();
        for (Map.Entry<String, String> e : sorted.entrySet()) {
            if (query.length() > 0) {
                query.append('&');
            }
            query.append(e.getKey()).append('=').append(e.getValue());
        }
        String expected = Signatures.hmacSha256Hex(app.secret(), method + "\n" + path + "\n" + query);
        if (!Signatures.same(expected, ApiRefused.single(params, "auth_signature"))) {
            throw new ApiRefused(401, "Invalid signature: you should have sent HmacSHA256Hex(\"" + method + "\\n" + path + "\\n"
                    + query + "\", your_secret)");
        }
    }
}
