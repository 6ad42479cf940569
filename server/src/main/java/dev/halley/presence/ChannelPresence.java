package dev.halley.presence;

import java.util.List;

/**
 * The clients present on one channel.
 *
 * @param channel the channel name
 * @param count how many clients are present
 * @param truncated true when {@code count} is over the list limit: {@code clients} is then empty
 * @param clients the present clients, in the order they joined, unless truncated
 */
public record ChannelPresence(String channel, int count, boolean truncated, List<ClientPresence> clients) {

    public ChannelPresence {
        clients = List.copyOf(clients);
    }
}
