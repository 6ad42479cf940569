package dev.halley.transport;

import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A subscribe request read from its URL and headers: which topics, from which cursors, how long a
 * long-poll may wait, and for presence who is subscribing ({@code id=}) and whether it watches
 * joins and leaves ({@code presence=1}). Every problem is an {@link IllegalArgumentException}
 * whose message is the 400 answer's reason.
 *
 * @param client the client id the request names with {@code id=}, or null
 */
record SubscribeRequest(List<TopicCursor> topics, Duration timeout, String client, boolean watchPresence) {

    /** One topic and where to resume it; {@code cursor} null means "no cursor". */
    record TopicCursor(Topic topic, MessageId cursor) {
    }

    static final String LAST_EVENT_ID = "Last-Event-ID";

    static SubscribeRequest parse(QueryStringDecoder query, HttpHeaders headers, TransportOptions options) {
        Limits limits = options.limits();
        String path = query.path();
        Map<String, List<String>> params = query.parameters();
        Set<Topic> topics = new LinkedHashSet<>();
        if (path.startsWith("/sub/client/")) {
            topics.add(Topic.client(checkName(path.substring("/sub/client/".length()), limits)));
        } else if (path.startsWith("/sub/channel/")) {
            topics.add(Topic.channel(checkName(path.substring("/sub/channel/".length()), limits)));
        } else if (path.equals("/sub")) {
            for (String id : params.getOrDefault("client", List.of())) {
                topics.add(Topic.client(checkName(id, limits)));
            }
            for (String name : params.getOrDefault("channel", List.of())) {
                topics.add(Topic.channel(checkName(name, limits)));
            }
            if (topics.isEmpty()) {
                throw new IllegalArgumentException("name at least one client or channel: /sub?client=a&channel=x");
            }
        } else {
            throw new IllegalArgumentException("subscribe at /sub/client/{id}, /sub/channel/{name} or /sub?client=..&channel=..");
        }
        if (topics.size() > limits.maxSubscriptionsPerConnection()) {
            throw new IllegalArgumentException("at most " + limits.maxSubscriptionsPerConnection() + " subscriptions per connection");
        }
        String since = headers.get(LAST_EVENT_ID);
        if (since == null || since.isEmpty()) {
            since = first(params, "since");
        }
        Map<Topic, MessageId> cursors = cursors(since, topics);
        List<TopicCursor> out = new ArrayList<>();
        for (Topic t : topics) {
            out.add(new TopicCursor(t, cursors.get(t)));
        }
        String client = first(params, "id");
        return new SubscribeRequest(List.copyOf(out), timeout(query, options), client == null ? null : checkName(client, limits),
                flag(params, "presence"));
    }

    /** {@code name=1} or {@code name=true}: on; absent, {@code 0} or {@code false}: off. */
    static boolean flag(Map<String, List<String>> params, String name) {
        String value = first(params, name);
        if (value == null || value.equals("0") || value.equals("false")) {
            return false;
        }
        if (value.equals("1") || value.equals("true")) {
            return true;
        }
        throw new IllegalArgumentException(name + " is 1 or 0, got '" + value + "'");
    }

    /** The {@code timeout} parameter, or the configured default; bounded by {@code --poll-timeout-max}. */
    static Duration timeout(QueryStringDecoder query, TransportOptions options) {
        String text = first(query.parameters(), "timeout");
        if (text == null) {
            return options.pollTimeout();
        }
        Duration d = Durations.parse(text);
        if (d.compareTo(options.pollTimeoutMax()) > 0) {
            throw new IllegalArgumentException("timeout must be at most " + Durations.format(options.pollTimeoutMax()) + ", got " + text);
        }
        return d;
    }

    /**
     * A plain id for one topic, or a compound cursor {@code client:a=<id>,channel:x=<id>}. Topics
     * a compound cursor does not name start with no cursor; naming an unsubscribed topic is an error.
     */
    static Map<Topic, MessageId> cursors(String since, Set<Topic> topics) {
        Map<Topic, MessageId> cursors = new HashMap<>();
        if (since == null || since.isEmpty()) {
            return cursors;
        }
        if (since.indexOf('=') < 0) {
            if (topics.size() != 1) {
                throw new IllegalArgumentException("with several subscriptions, since is client:a=<id>,channel:x=<id>");
            }
            cursors.put(topics.iterator().next(), MessageId.parse(since));
            return cursors;
        }
        for (String part : since.split(",", -1)) {
            int eq = part.indexOf('=');
            int colon = part.indexOf(':');
            if (eq < 0 || colon < 0 || colon > eq) {
                throw new IllegalArgumentException("a compound cursor is client:a=<id>,channel:x=<id>");
            }
            String kind = part.substring(0, colon);
            String name = part.substring(colon + 1, eq);
            Topic topic = switch (kind) {
                case "client" -> Topic.client(name.isEmpty() ? "?" : name);
                case "channel" -> Topic.channel(name.isEmpty() ? "?" : name);
                default -> throw new IllegalArgumentException("a compound cursor names client:.. or channel:.., got '" + kind + "'");
            };
            if (!topics.contains(topic)) {
                throw new IllegalArgumentException("the cursor names " + topic + ", which this request does not subscribe to");
            }
            cursors.put(topic, MessageId.parse(part.substring(eq + 1)));
        }
        return cursors;
    }

    static String checkName(String name, Limits limits) {
        String problem = Names.checkTopicName(name, limits.maxNameLength());
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return name;
    }

    private static String first(Map<String, List<String>> params, String key) {
        List<String> values = params.get(key);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
