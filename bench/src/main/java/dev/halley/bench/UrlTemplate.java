package dev.halley.bench;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An {@code http://host[:port]/path} URL with placeholders {@code {id}}, {@code {channel}} and
 * {@code {payload}} in the path and query.
 *
 * @param host the host as written
 * @param port the port (80 when absent)
 * @param pathTemplate the path and query, with placeholders
 */
record UrlTemplate(String host, int port, String pathTemplate) {

    private static final Pattern URL = Pattern.compile("http://([A-Za-z0-9.\\-]+|\\[[0-9A-Fa-f:.]+\\])(?::(\\d{1,5}))?(/.*)?");

    /** @throws IllegalArgumentException stating the accepted form */
    static UrlTemplate parse(String option, String text) {
        Matcher m = URL.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException(option + " must be http://host[:port]/path (no TLS), got " + text);
        }
        int port = m.group(2) == null ? 80 : Integer.parseInt(m.group(2));
        BenchOptions.requireBetween(option + " port", port, 1, 65535);
        return new UrlTemplate(m.group(1), port, m.group(3) == null ? "/" : m.group(3));
    }

    /** The path and query with every placeholder replaced. */
    String path(String id, String channel, String payload) {
        return pathTemplate.replace("{id}", id).replace("{channel}", channel).replace("{payload}", payload);
    }

    /** The Host header value. */
    String hostHeader() {
        return port == 80 ? host : host + ":" + port;
    }

    /**
     * Resolves the host, refusing a non-loopback address unless {@code allowRemote}.
     *
     * @throws IllegalArgumentException when the host is unknown or not loopback
     */
    InetAddress resolve(String option, boolean allowRemote) {
        return resolveHost(option, host.startsWith("[") ? host.substring(1, host.length() - 1) : host, allowRemote);
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
