package dev.halley.transport.mercure;

import java.util.regex.Pattern;

/**
 * The part of the URL Pattern standard Mercure's {@code match_urlpattern} needs: literal text,
 * named groups {@code :name} that match one path segment (no {@code /}), and the wildcard
 * {@code *} that matches anything. Regular-expression groups, {@code {…}} groups and modifiers are
 * refused rather than guessed at: a matcher the hub cannot interpret must fail loudly.
 */
public final class UrlPattern {

    private final String text;
    private final Pattern pattern;

    private UrlPattern(String text, Pattern pattern) {
        this.text = text;
        this.pattern = pattern;
    }

    /** @throws IllegalArgumentException naming the fault when {@code text} uses what is not supported */
    public static UrlPattern parse(String text) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("a URL pattern must not be empty");
        }
        StringBuilder regex = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == ':' && i + 1 < text.length() && isNameStart(text.charAt(i + 1))) {
                flush(regex, literal);
                int end = i + 1;
                while (end < text.length() && isNamePart(text.charAt(end))) {
                    end++;
                }
                regex.append("[^/]+");
                i = end;
            } else if (c == '*') {
                flush(regex, literal);
                regex.append(".*");
                i++;
            } else if ("(){}\\".indexOf(c) >= 0) {
                throw new IllegalArgumentException("URL pattern '" + UriTemplate.abbreviate(text) + "' uses '" + c
                        + "': only literal text, :name and * are supported");
            } else {
                literal.append(c);
                i++;
            }
        }
        flush(regex, literal);
        return new UrlPattern(text, Pattern.compile(regex.toString()));
    }

    public boolean matches(String topic) {
        return pattern.matcher(topic).matches();
    }

    @Override
    public String toString() {
        return text;
    }

    private static void flush(StringBuilder regex, StringBuilder literal) {
        if (literal.length() > 0) {
            regex.append(Pattern.quote(literal.toString()));
            literal.setLength(0);
        }
    }

    private static boolean isNameStart(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$';
    }

    private static boolean isNamePart(char c) {
        return isNameStart(c) || c >= '0' && c <= '9';
    }
}
