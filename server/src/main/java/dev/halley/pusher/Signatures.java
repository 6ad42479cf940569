package dev.halley.pusher;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The two hashes of the Pusher protocol: HMAC-SHA256 signatures and the MD5 of API bodies, in lower-case hex. */
final class Signatures {

    private static final HexFormat HEX = HexFormat.of();

    private Signatures() {
    }

    static String hmacSha256Hex(String secret, String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HEX.formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JRE", e);
        }
    }

    static String md5Hex(byte[] body) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("MD5").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is part of every JRE", e);
        }
    }

    /** Compares in time independent of where they differ, so a forger learns nothing from timing. */
    static boolean same(String expected, String given) {
        return given != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                given.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Checks a subscription's {@code auth} ({@code key:signature}) as the app's auth endpoint
     * makes it: over {@code socket_id:channel}, plus {@code :channel_data} on presence channels.
     */
    static boolean channelAuthValid(PusherApp app, String auth, String socketId, String channel, String channelData) {
        if (auth == null) {
            return false;
        }
        int colon = auth.indexOf(':');
        if (colon < 0 || !auth.substring(0, colon).equals(app.key())) {
            return false;
        }
        String signed = channelData == null ? socketId + ":" + channel : socketId + ":" + channel + ":" + channelData;
        return same(hmacSha256Hex(app.secret(), signed), auth.substring(colon + 1));
    }
}
