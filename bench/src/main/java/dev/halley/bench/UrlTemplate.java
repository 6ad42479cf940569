package dev.halley.bench;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An {@code http://host[:port]/path} (or, where TLS is spoken, {@code https://}) URL with
 * placeholders {@code {id}}, {@code {channel}} and {@code {payload}} in the path and query.
 *
 * @param tls whether the scheme is https
 * @param host the host as written
 * @param port the port (80, or 443 for https, when absent)
 * @param pathTemplate the path and query, with placeholders
 */
record UrlTemplate(boolean tls, String host, int port, String pathTemplate) {

    private static final Pattern URL = Pattern.compile("(https?)://([A-Za-z0-9.\\-]+|\\[[0-9A-Fa-f:.]+\\])(?::(\\d{1,5}))?(/.*)?");

    /** An http URL; {@code https} is refused (only the HTTP/2 subscriber speaks TLS). */
    static UrlTemplate parse(String option, String text) {
        UrlTemplate url = parseAllowingTls(option, text);
        if (url.tls) {
            throw new IllegalArgumentException(option + " must be http://host[:port]/path (no TLS), got " + text);
        }
        return url;
    }

    /** An http or https URL. @throws IllegalArgumentException stating the accepted form */
    static UrlTemplate parseAllowingTls(String option, String text) {
        Matcher m = URL.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException(option + " must be http[s]://host[:port]/path, got " + text);
        }
        boolean tls = m.group(1).equals("https");
        int port = m.group(3) == null ? (tls ? 443 : 80) : Integer.parseInt(m.group(3));
        BenchOptions.requireBetween(option + " port", port, 1, 65535);
        return new UrlTemplate(tls, m.group(2), port, m.group(4) == null ? "/" : m.group(4));
    }

    /** The path and query with every placeholder replaced. */
    String path(String id, String channel, String payload) {
        return pathTemplate.replace("{id}", id).replace("{channel}", channel).replace("{payload}", payload);
    }

    /** The Host header (HTTP/2: {@code :authority}) value. */
    String hostHeader() {
        return port == (tls ? 443 : 80) ? host : host + ":" + port;
    }

    /** The host to connect to and name in TLS, without IPv6 brackets. */
    String bareHost() {
        return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    }

    /**
     * Resolves the host, refusing a non-loopback address unless {@code allowRemote}.
     *
     * @throws IllegalArgumentException when the host is unknown or not loopback
     */
    InetAddress resolve(String option, boolean allowRemote) {
        return resolveHost(option, bareHost(), allowRemote);
    }

    static InetAddress resolveHost(String option, String host, boolean allowRemote) {
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(option + ": unknown host " + host);
        }
        if (!allowRemote && !address.isLoopbackAddress()) {
            throw new IllegalArgumentException(option + ": " + host + " (" + address.getHostAddress()
                    + ") is not a loopback address; halley bench targets loopback only unless --allow-remote is given");
        }
        return address;
    }
}
