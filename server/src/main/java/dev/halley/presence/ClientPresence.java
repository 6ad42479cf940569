package dev.halley.presence;

/**
 * One client's presence on a channel, or on the node as a whole.
 *
 * @param client the client id
 * @param sinceMillis wall-clock time of the connection that made it present (its first)
 * @param connections connections (or, on a channel, subscriptions) it holds now; 0 while a long-poll
 *     client lingers between two polls
 */
public record ClientPresence(String client, long sinceMillis, int connections) {

    public boolean online() {
        return sinceMillis > 0;
    }

    /** An absent client. */
    public static ClientPresence absent(String client) {
        return new ClientPresence(client, 0, 0);
    }
}
