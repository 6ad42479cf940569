package dev.halley.presence;

/** A client joined or left a channel: told to the channel's watching subscribers, never stored. */
public record PresenceEvent(Kind kind, String channel, String client) {

    /** With the word used for it on the wire ({@code event: join}). */
    public enum Kind {
        JOIN("join"),
        LEAVE("leave");

        private final String word;

        Kind(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }
    }
}
