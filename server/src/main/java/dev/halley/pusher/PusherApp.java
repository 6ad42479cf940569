package dev.halley.pusher;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One Pusher application: the credentials its clients and servers sign with, and what it allows.
 *
 * @param id the app id of the HTTP API's paths ({@code /apps/{id}/events})
 * @param key the public key clients connect with ({@code /app/{key}}) and servers sign as
 * @param secret the HMAC-SHA256 secret of every signature; never sent anywhere
 * @param clientEvents whether clients may send {@code client-*} events on private and presence channels
 * @param maxEventBytes largest event data accepted, from clients and from the HTTP API
 * @param maxConnections past this many open connections of this app on one node a new one is
 *     refused with close code 4100 (over capacity)
 * @param webhookUrl where the app's webhooks are posted (http or https), or null for none
 */
public record PusherApp(String id, String key, String secret, boolean clientEvents, int maxEventBytes, int maxConnections,
                        URI webhookUrl) {

    /** Pusher's own limit on one event's data. */
    public static final int DEFAULT_MAX_EVENT_BYTES = 10 * 1024;

    public static final int DEFAULT_MAX_CONNECTIONS = 1_000_000;

    private static final Pattern CREDENTIAL = Pattern.compile("[A-Za-z0-9_.-]{1,128}");

    public PusherApp {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(secret, "secret");
        requireCredential("app id", id);
        requireCredential("app key", key);
        requireCredential("app secret", secret);
        if (secret.length() < 16) {
            throw new IllegalArgumentException("a Pusher app secret must be at least 16 characters, got " + secret.length());
        }
        if (maxEventBytes < 1 || maxEventBytes > 1024 * 1024) {
            throw new IllegalArgumentException("a Pusher app's max event size must be between 1 and 1048576 bytes, got " + maxEventBytes);
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("a Pusher app's max connections must be at least 1, got " + maxConnections);
        }
        if (webhookUrl != null && (!("http".equals(webhookUrl.getScheme()) || "https".equals(webhookUrl.getScheme()))
                || webhookUrl.getHost() == null)) {
            throw new IllegalArgumentException("a Pusher app's webhook must be an http or https URL, got " + webhookUrl);
        }
    }

    /**
     * Parses {@code id:key:secret[:flag...]}, the form of {@code --pusher-app}; the flags are
     * {@code client-events}, {@code max-connections=N}, {@code max-event-bytes=N} and
     * {@code webhook=URL}, which must come last (the URL's own colons are part of it).
     */
    public static PusherApp parse(String text) {
        String[] parts = text.split(":", -1);
        if (parts.length < 3) {
            throw new IllegalArgumentException("a Pusher app is id:key:secret[:flag...], got " + parts.length + " fields");
        }
        boolean clientEvents = false;
        int maxEventBytes = DEFAULT_MAX_EVENT_BYTES;
        int maxConnections = DEFAULT_MAX_CONNECTIONS;
        URI webhook = null;
        for (int i = 3; i < parts.length; i++) {
            String flag = parts[i];
            if (flag.startsWith("webhook=")) {
                String url = String.join(":", Arrays.asList(parts).subList(i, parts.length)).substring("webhook=".length());
                try {
                    webhook = new URI(url);
                } catch (URISyntaxException e) {
                    throw new IllegalArgumentException("a Pusher app's webhook must be an http or https URL, got '" + url + "'");
                }
                break;
            } else if (flag.equals("client-events")) {
                clientEvents = true;
            } else if (flag.startsWith("max-connections=")) {
                maxConnections = number(flag);
            } else if (flag.startsWith("max-event-bytes=")) {
                maxEventBytes = number(flag);
            } else {
                throw new IllegalArgumentException("a Pusher app's flags are client-events, max-connections=N, max-event-bytes=N and "
                        + "webhook=URL; got '" + flag + "'");
            }
        }
        return new PusherApp(parts[0], parts[1], parts[2], clientEvents, maxEventBytes, maxConnections, webhook);
    }

    private static int number(String flag) {
        String value = flag.substring(flag.indexOf('=') + 1);
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a Pusher app's " + flag.substring(0, flag.indexOf('=')) + " is a whole number, got '" + value + "'");
        }
    }

    private static void requireCredential(String what, String value) {
        if (!CREDENTIAL.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " must be 1-128 characters of A-Za-z0-9_.-");
        }
    }

    /** Keeps the secret out of logs and error messages. */
    @Override
    public String toString() {
        return "PusherApp[id=" + id + ", key=" + key + ", clientEvents=" + clientEvents + ", webhook=" + webhookUrl + "]";
    }
}
