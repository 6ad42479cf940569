package dev.halley.transport.mercure;

import java.util.Objects;

/**
 * What a subscription or a token claim matches topics with. {@code *} matches every topic;
 * otherwise an exact, byte-for-byte string, a URI template (the {@code topic} parameter and the
 * {@code mercure} claim of drafts up to 07) or a URL pattern ({@code match_urlpattern} and
 * {@code match_type: urlpattern} of later drafts).
 */
public final class TopicSelector {

    /** How the selector's text is read. */
    public enum Kind { ANY, EXACT, URI_TEMPLATE, URL_PATTERN }

    public static final TopicSelector ANY = new TopicSelector(Kind.ANY, "*", null, null);

    private final Kind kind;
    private final String text;
    private final UriTemplate template;
    private final UrlPattern urlPattern;

    private TopicSelector(Kind kind, String text, UriTemplate template, UrlPattern urlPattern) {
        this.kind = kind;
        this.text = text;
        this.template = template;
        this.urlPattern = urlPattern;
    }

    /**
     * A selector as the {@code topic} parameter reads it: {@code *}, a string with no braces
     * (exact), or a URI template.
     *
     * @throws IllegalArgumentException when it has braces but is no valid URI template
     */
    public static TopicSelector topicParameter(String text) {
        requireText(text);
        if (text.equals("*")) {
            return ANY;
        }
        if (!UriTemplate.hasExpression(text)) {
            return new TopicSelector(Kind.EXACT, text, null, null);
        }
        return new TopicSelector(Kind.URI_TEMPLATE, text, UriTemplate.parse(text), null);
    }

    /** {@code match} / {@code match_exact}: {@code *} or the exact string. */
    public static TopicSelector exact(String text) {
        requireText(text);
        return text.equals("*") ? ANY : new TopicSelector(Kind.EXACT, text, null, null);
    }

    /** {@code match_urlpattern}: {@code *} or a URL pattern. */
    public static TopicSelector urlPattern(String text) {
        requireText(text);
        return text.equals("*") ? ANY : new TopicSelector(Kind.URL_PATTERN, text, null, UrlPattern.parse(text));
    }

    public Kind kind() {
        return kind;
    }

    /** Whether {@code topic} is matched; the selector's own text always matches itself. */
    public boolean matches(String topic) {
        return switch (kind) {
            case ANY -> true;
            case EXACT -> text.equals(topic);
            case URI_TEMPLATE -> text.equals(topic) || template.matches(topic);
            case URL_PATTERN -> text.equals(topic) || urlPattern.matches(topic);
        };
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TopicSelector s && kind == s.kind && text.equals(s.text);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, text);
    }

    @Override
    public String toString() {
        return text;
    }

    private static void requireText(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("a topic selector must not be empty");
        }
    }
}
