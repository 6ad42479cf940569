package dev.halley.pusher;

import dev.halley.hub.FanoutBehind;
import dev.halley.hub.Hub.Publication;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Pusher HTTP API: {@code POST /apps/{id}/events} and {@code /batch_events},
 * {@code GET /apps/{id}/channels}, {@code /channels/{name}} and {@code /channels/{name}/users}.
 *
 * <p>Routes each request, once its signature is checked ({@link ApiSignature}), to the event
 * checks ({@link ApiEvents}) or the channel queries ({@link ApiQueries}), and stores the events.
 */
final class HttpApi {

    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);

    private final PusherGateway gateway;
    private final ApiSignature signature;

    HttpApi(PusherGateway gateway, Clock clock) {
        this.gateway = gateway;
        this.signature = new ApiSignature(clock);
    }

    CompletionStage<ApiReply> answer(String method, String path, Map<String, List<String>> params, byte[] body) {
        String[] parts = path.substring(1).split("/", -1);
        if (parts.length < 3) {
            return done(ApiReply.refused(404, "Unknown path " + Frames.abbreviate(path)));
        }
        PusherGateway.App app = gateway.app(parts[1]);
        if (app == null) {
            return done(ApiReply.refused(404, "Unknown app " + Frames.abbreviate(parts[1])));
        }
        try {
            signature.check(app.app(), method, path, params, body);
            String resource = parts[2];
            if (parts.length == 3 && resource.equals("events")) {
                requireMethod(method, "POST");
                return publish(app, ApiEvents.event(app.app(), ApiEvents.parse(body)));
            }
            if (parts.length == 3 && resource.equals("batch_events")) {
                requireMethod(method, "POST");
                return publish(app, ApiEvents.batch(app.app(), ApiEvents.parse(body)));
            }
            if (resource.equals("channels")) {
                requireMethod(method, "GET");
                if (parts.length == 3) {
                    return done(ApiReply.json(ApiQueries.channels(app, params)));
                }
                String channel = parts[3];
                ApiRefused.requireChannelName(channel);
                if (parts.length == 4) {
                    return done(ApiReply.json(ApiQueries.channel(app, channel, params)));
                }
                if (parts.length == 5 && parts[4].equals("users")) {
                    return done(ApiReply.json(ApiQueries.users(app, channel)));
                }
            }
            return done(ApiReply.refused(404, "Unknown path " + Frames.abbreviate(path)));
        } catch (ApiRefused e) {
            log.debug("event=pusher_api_refused app={} status={} reason={}", app.app().id(), e.status, e.getMessage());
            return done(ApiReply.refused(e.status, e.getMessage()));
        }
    }

    /**
     * Stores every event; answers 200 once all are stored, 503 when any could not be, and 503 with
     * nothing stored when the fan-out of any event's channel is behind (the batch is admitted whole).
     */
    private CompletionStage<ApiReply> publish(PusherGateway.App app, List<ApiEvents.Event> events) {
        List<Publication> batch = new ArrayList<>(events.size());
        for (ApiEvents.Event e : events) {
            byte[] json = Frames.stored(e.socketId(), e.channel(), e.name(), Frames.MAPPER.getNodeFactory().textNode(e.data()), null);
            batch.add(new Publication(gateway.topic(app.app(), e.channel()), json));
        }
        return gateway.hub().publishAll(batch).handle((ok, failure) -> {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause instanceof FanoutBehind) {
                return ApiReply.refused(503, cause.getMessage());
            }
            if (failure != null) {
                log.warn("event=pusher_publish_failed app={} cause={}", app.app().id(), failure.toString());
                return ApiReply.refused(503, "The events could not be stored");
            }
            return ApiReply.json("{}");
        });
    }

    private static void requireMethod(String method, String expected) throws ApiRefused {
        if (!method.equals(expected)) {
            throw new ApiRefused(405, "Use " + expected + " here");
        }
    }

    private static CompletionStage<ApiReply> done(ApiReply reply) {
        return CompletableFuture.completedFuture(reply);
    }
}
