package dev.halley.transport;

import java.util.regex.Pattern;

/** The rules for what a client may put in a URL: topic names and JSONP callbacks. */
final class Names {

    private static final Pattern CALLBACK = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*");
    static final int MAX_CALLBACK_LENGTH = 64;

    private Names() {
    }

    /** Returns why {@code name} is not a valid client id or channel name, or null when it is. */
    static String checkTopicName(String name, int maxLength) {
        if (name == null || name.isEmpty() || name.length() > maxLength) {
            return "name must be 1-" + maxLength + " characters of A-Za-z0-9._~-";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '.' || c == '_' || c == '~' || c == '-';
            if (!ok) {
                return "name must be 1-" + maxLength + " characters of A-Za-z0-9._~-";
            }
        }
        return null;
    }

    /** Returns why {@code callback} is not a safe JSONP callback, or null when it is. */
    static String checkCallback(String callback) {
        if (callback.length() > MAX_CALLBACK_LENGTH || !CALLBACK.matcher(callback).matches()) {
            return "callback must be a JavaScript identifier path of at most " + MAX_CALLBACK_LENGTH + " characters";
        }
        return null;
    }
}
