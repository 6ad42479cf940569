package dev.halley.bench;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The credentials of one Pusher app, and the request signing of the Pusher HTTP API as its server
 * SDKs do it: {@code auth_signature} = HMAC-SHA256(secret, {@code METHOD\nPATH\nQUERY}), QUERY being
 * the other parameters sorted by key ({@code auth_key}, {@code auth_timestamp}, {@code auth_version},
 * {@code body_md5} are already in that order) and {@code body_md5} the body's MD5, both lower-case hex.
 *
 * @param appId the app id, the {@code {id}} of {@code /apps/{id}/events}
 * @param key the app key subscribers open {@code /app/{key}} with
 * @param secret the secret both sides sign with
 */
record PusherSigner(String appId, String key, String secret) {

    private static final HexFormat HEX = HexFormat.of();

    PusherSigner {
        if (!appId.matches("[A-Za-z0-9_.-]{1,64}") || !key.matches("[A-Za-z0-9_.-]{1,64}") || secret.isEmpty()) {
            throw new IllegalArgumentException("--pusher-app must be id:key:secret, id and key of 1-64 characters A-Za-z0-9_.-, got "
                    + appId + ":" + key + ":...");
        }
    }

    /** Parses {@code id:key:secret}; the secret may contain colons. */
    static PusherSigner parse(String text) {
        String[] parts = text.split(":", 3);
        if (parts.length < 3) {
            throw new IllegalArgumentException("--pusher-app must be id:key:secret, got " + parts.length + " part(s)");
        }
        return new PusherSigner(parts[0], parts[1], parts[2]);
    }

    /** The path events are posted to. */
    String eventsPath() {
        return "/apps/" + appId + "/events";
    }

    /** {@code path} with the signed query for a POST of {@code body} at {@code epochSeconds}. */
    String signedPost(String path, byte[] body, long epochSeconds) {
        String query = "auth_key=" + key + "&auth_timestamp=" + epochSeconds + "&auth_version=1.0&body_md5=" + md5Hex(body);
        return path + "?" + query + "&auth_signature=" + hmacSha256Hex("POST\n" + path + "\n" + query);
    }

    private String hmacSha256Hex(String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HEX.formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JRE", e);
        }
    }

    private static String md5Hex(byte[] body) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("MD5").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is part of every JRE", e);
        }
    }

    @Override
    public String toString() {
        // The secret stays out of reports and logs.
        return "PusherSigner[appId=" + appId + ", key=" + key + "]";
    }
}
