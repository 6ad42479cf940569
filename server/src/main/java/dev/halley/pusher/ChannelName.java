package dev.halley.pusher;

/**
 * What a Pusher channel's name says about it: who may subscribe, and whether it is a cache channel.
 *
 * @param cache a {@code cache-}, {@code private-cache-}, {@code private-encrypted-cache-} or
 *     {@code presence-cache-} channel: a subscriber first gets the last event, or {@code pusher:cache_miss}
 */
record ChannelName(String name, Access access, boolean cache) {

    /** Pusher's limit on a channel name's length. */
    static final int MAX_LENGTH = 200;

    /** Who may subscribe. */
    enum Access {
        PUBLIC,
        /** {@code private-}: the app's signature over {@code socket_id:channel}. */
        PRIVATE,
        /** {@code private-encrypted-}: signed like private; the payload is end-to-end encrypted and relayed untouched. */
        ENCRYPTED,
        /** {@code presence-}: signed over {@code socket_id:channel:channel_data}, with a member list. */
        PRESENCE
    }

    /** Returns why {@code name} is no channel name, or null when it is one. */
    static String problem(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_LENGTH) {
            return "a channel name is 1-" + MAX_LENGTH + " characters";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || "_-=@,.;".indexOf(c) >= 0;
            if (!ok) {
                return "a channel name is made of A-Za-z0-9 and _-=@,.;";
            }
        }
        return null;
    }

    /** Reads a name already checked by {@link #problem}. */
    static ChannelName of(String name) {
        Access access;
        String rest;
        if (name.startsWith("private-encrypted-")) {
            access = Access.ENCRYPTED;
            rest = name.substring("private-encrypted-".length());
        } else if (name.startsWith("private-")) {
            access = Access.PRIVATE;
            rest = name.substring("private-".length());
        } else if (name.startsWith("presence-")) {
            access = Access.PRESENCE;
            rest = name.substring("presence-".length());
        } else {
            access = Access.PUBLIC;
            rest = name;
        }
        return new ChannelName(name, access, rest.startsWith("cache-"));
    }

    boolean signed() {
        return access != Access.PUBLIC;
    }

    /** Client events are relayed on private and presence channels only (encrypted ones carry only the server's). */
    boolean takesClientEvents() {
        return access == Access.PRIVATE || access == Access.PRESENCE;
    }
}
