package dev.halley.transport.mercure;

import java.util.regex.Pattern;

/**
 * An RFC 6570 URI template used as a matcher: a topic matches when some assignment of the
 * template's variables expands to it. The template is compiled once into a regular expression
 * whose expressions accept exactly the characters their operator may emit (unreserved and
 * percent-encoded for simple expansion; reserved characters too for {@code +} and {@code #}).
 */
public final class UriTemplate {

    private static final String UNRESERVED = "A-Za-z0-9\\-._~";
    private static final String RESERVED = ":/?#\\[\\]@!$&'()*+,;=";
    /** What a simple or label/path expansion of one value may contain, lists' commas included. */
    private static final String VALUE = "(?:[" + UNRESERVED + ",]|%[0-9A-Fa-f]{2})";
    /** What a reserved expansion ({+var}, {#var}) may contain. */
    private static final String RESERVED_VALUE = "(?:[" + UNRESERVED + RESERVED + "]|%[0-9A-Fa-f]{2})";
    private static final Pattern VARSPEC = Pattern.compile(
            "(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})(?:\\.?(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2}))*(?::[1-9][0-9]{0,3}|\\*)?");

    private final String text;
    private final Pattern pattern;

    private UriTemplate(String text, Pattern pattern) {
        this.text = text;
        this.pattern = pattern;
    }

    /**
     * Compiles {@code text}.
     *
     * @throws IllegalArgumentException naming the fault when {@code text} is not a URI template
     *     (an unclosed or stray brace, an empty expression, a bad operator or variable name)
     */
    public static UriTemplate parse(String text) {
        StringBuilder regex = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '}') {
                throw new IllegalArgumentException("'" + abbreviate(text) + "' is not a URI template: '}' at " + i + " closes nothing");
            }
            if (c != '{') {
                int next = nextBrace(text, i);
                regex.append(Pattern.quote(text.substring(i, next)));
                i = next;
                continue;
            }
            int close = text.indexOf('}', i);
            int reopen = text.indexOf('{', i + 1);
            if (close < 0 || (reopen >= 0 && reopen < close)) {
                throw new IllegalArgumentException("'" + abbreviate(text) + "' is not a URI template: '{' at " + i + " is not closed");
            }
            regex.append(expression(text, text.substring(i + 1, close)));
            i = close + 1;
        }
        return new UriTemplate(text, Pattern.compile(regex.toString()));
    }

    /** Whether {@code text} contains a template expression at all (else it only matches itself). */
    public static boolean hasExpression(String text) {
        return text.indexOf('{') >= 0 || text.indexOf('}') >= 0;
    }

    public boolean matches(String topic) {
        return pattern.matcher(topic).matches();
    }

    @Override
    public String toString() {
        return text;
    }

    private static String expression(String template, String body) {
        if (body.isEmpty()) {
            throw new IllegalArgumentException("'" + abbreviate(template) + "' is not a URI template: an expression is empty");
        }
        char op = body.charAt(0);
        boolean hasOperator = "+#./;?&".indexOf(op) >= 0;
        if (!hasOperator && "=,!@|".indexOf(op) >= 0) {
            throw new IllegalArgumentException("'" + abbreviate(template) + "' is not a URI template: operator '" + op + "' is reserved");
        }
        String vars = hasOperator ? body.substring(1) : body;
        for (String varspec : vars.split(",", -1)) {
            if (!VARSPEC.matcher(varspec).matches()) {
                throw new IllegalArgumentException("'" + abbreviate(template) + "' is not a URI template: '" + abbreviate(varspec)
                        + "' is not a variable name");
            }
        }
        if (!hasOperator) {
            return VALUE + "*";
        }
        return switch (op) {
            case '+' -> RESERVED_VALUE + "*";
            case '#' -> "(?:#" + RESERVED_VALUE + "*)?";
            case '.' -> "(?:\\." + VALUE + "*)*";
            case '/' -> "(?:/" + VALUE + "*)*";
            case ';' -> "(?:;(?:" + VALUE + "|=)*)*";
            case '?' -> "(?:\\?(?:" + VALUE + "|[=&])*)?";
            default -> "(?:&(?:" + VALUE + "|=)*)*";
        };
    }

    private static int nextBrace(String text, int from) {
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '{' || c == '}') {
                return i;
            }
        }
        return text.length();
    }

    static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "…";
    }
}
