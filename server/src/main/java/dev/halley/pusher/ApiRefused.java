package dev.halley.pusher;

import java.util.List;
import java.util.Map;

/** A Pusher HTTP API request refused, with its status; thrown by the checks and answered by {@link HttpApi}. */
final class ApiRefused extends Exception {

    private static final long serialVersionUID = 1L;
    final int status;

    ApiRefused(int status, String reason) {
        // No stack trace: a refusal is an answer, not a fault.
        super(reason, null, false, false);
        this.status = status;
    }

    /** Refuses a channel name outside Pusher's rules. */
    static void requireChannelName(String channel) throws ApiRefused {
        String problem = ChannelName.problem(channel);
        if (problem != null) {
            throw new ApiRefused(400, "Invalid channel name: " + problem);
        }
    }

    /** The first value of a query parameter, or null. */
    static String single(Map<String, List<String>> params, String key) {
        List<String> values = params.get(key);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
