package dev.halley.transport.mercure;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a Mercure request says, read from its decoded parameters: a subscription's selectors from
 * the query, an update from a publication's form. Every problem is an
 * {@link IllegalArgumentException} whose message is the 400 answer's reason.
 */
public final class MercureRequests {

    /** Selectors one subscription may name; the drafts let a hub pick its limit. */
    public static final int MAX_SELECTORS = 32;

    private MercureRequests() {
    }

    /**
     * A subscription's selectors: {@code topic} (drafts up to 07: exact or URI template),
     * {@code match} / {@code match_exact} and {@code match_urlpattern} (later drafts). Other
     * parameters ({@code lastEventID}, {@code authorization}) are not selectors and are skipped;
     * an unknown {@code match_<type>} is refused, since skipping it would widen or narrow the
     * subscription silently.
     */
    public static List<TopicSelector> selectors(Map<String, List<String>> params) {
        List<TopicSelector> out = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : params.entrySet()) {
            String name = e.getKey();
            for (String value : e.getValue()) {
                switch (name) {
                    case "topic" -> out.add(TopicSelector.topicParameter(value));
                    case "match", "match_exact" -> out.add(TopicSelector.exact(value));
                    case "match_urlpattern" -> out.add(TopicSelector.urlPattern(value));
                    default -> {
                        if (name.startsWith("match_")) {
                            throw new IllegalArgumentException("matcher type " + UriTemplate.abbreviate(name.substring(6))
                                    + " is not supported: use topic, match or match_urlpattern");
                        }
                    }
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("subscribe with at least one topic (or match / match_urlpattern) parameter");
        }
        if (out.size() > MAX_SELECTORS) {
            throw new IllegalArgumentException("at most " + MAX_SELECTORS + " topic selectors per subscription");
        }
        return List.copyOf(out);
    }

    /** A publication's update from its form fields: {@code topic}+, {@code data}, {@code private}, {@code id}, {@code type}, {@code retry}. */
    public static MercureUpdate update(Map<String, List<String>> fields) {
        List<String> topics = fields.getOrDefault("topic", List.of());
        if (topics.isEmpty()) {
            throw new IllegalArgumentException("an update needs at least one topic field");
        }
        String retry = first(fields, "retry");
        long retryMillis = -1;
        if (retry != null && !retry.isEmpty()) {
            try {
                retryMillis = Long.parseLong(retry);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("retry must be a number of milliseconds, got '" + UriTemplate.abbreviate(retry) + "'");
            }
            if (retryMillis < 0) {
                throw new IllegalArgumentException("retry must be a non-negative number of milliseconds, got " + retryMillis);
            }
        }
        String id = first(fields, "id");
        String type = first(fields, "type");
        return new MercureUpdate(topics, first(fields, "data"), fields.containsKey("private"),
                id == null || id.isEmpty() ? null : id, type == null || type.isEmpty() ? null : type, retryMillis);
    }

    private static String first(Map<String, List<String>> params, String key) {
        List<String> values = params.get(key);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
