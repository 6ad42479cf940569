package dev.halley.auth;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Who may publish and subscribe, from where, and over what.
 *
 * @param publishKeys keys accepted as {@code Authorization: Bearer <key>} on publish; empty: publishing is open
 * @param subscriberSecret HS256 secret of subscriber tokens (at least 32 bytes); null: subscribing is open
 * @param allowedOrigins browser origins allowed cross-origin ({@code https://app.example}), or {@code *};
 *     the server's own origin is always allowed
 * @param tlsCert PEM certificate chain for https/wss, with {@code tlsKey}; both null: plain HTTP
 * @param tlsKey PEM private key (PKCS#8) for {@code tlsCert}
 * @param publishBind {@code host:port} of a separate listener for publishing; null: publish on the main port
 */
public record Security(List<String> publishKeys, String subscriberSecret, List<String> allowedOrigins,
                       Path tlsCert, Path tlsKey, String publishBind) {

    public static final Security OPEN = new Security(List.of(), null, List.of(), null, null, null);

    public Security {
        publishKeys = List.copyOf(publishKeys);
        allowedOrigins = List.copyOf(allowedOrigins);
        for (String key : publishKeys) {
            if (key.length() < 16) {
                throw new IllegalArgumentException("a publish key must be at least 16 characters, got " + key.length());
            }
        }
        if (subscriberSecret != null && subscriberSecret.getBytes(StandardCharsets.UTF_8).length < 32) {
            throw new IllegalArgumentException("the subscriber secret must be at least 32 bytes (HS256), got "
                    + subscriberSecret.getBytes(StandardCharsets.UTF_8).length);
        }
        for (String origin : allowedOrigins) {
            if (!origin.equals("*") && !origin.matches("https?://[A-Za-z0-9.\\-\\[\\]:]+")) {
                throw new IllegalArgumentException("an allowed origin is * or scheme://host[:port], got '" + origin + "'");
            }
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new IllegalArgumentException("--tls-cert and --tls-key go together");
        }
        if (publishBind != null) {
            Objects.requireNonNull(parsePublishBind(publishBind));
        }
    }

    public boolean tls() {
        return tlsCert != null;
    }

    /** {@code host:port} split; port 0 picks a free one. */
    public static String[] parsePublishBind(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || !hostPort.substring(colon + 1).matches("\\d{1,5}")
                || Integer.parseInt(hostPort.substring(colon + 1)) > 65535) {
            throw new IllegalArgumentException("--publish-bind is host:port, got '" + hostPort + "'");
        }
        return new String[] {hostPort.substring(0, colon), hostPort.substring(colon + 1)};
    }
}
