package dev.halley.pusher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.halley.message.Message;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Pusher HTTP API: {@code POST /apps/{id}/events} and {@code /batch_events},
 * {@code GET /apps/{id}/channels}, {@code /channels/{name}} and {@code /channels/{name}/users}.
 *
 * <p>Every request is signed as the server SDKs sign it: {@code auth_signature} is
 * HMAC-SHA256(secret, {@code METHOD\nPATH\nQUERY}) where QUERY is every other parameter, keys lower
 * case, sorted by key, as {@code key=value} joined by {@code &}; {@code body_md5} is the body's MD5
 * and {@code auth_timestamp} must lie within {@value #MAX_CLOCK_SKEW_SECONDS}s of this node's clock.
 */
final class HttpApi {

    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
    static final long MAX_CLOCK_SKEW_SECONDS = 600;
    /** Pusher's limits: channels named by one event, events in one batch. */
    static final int MAX_CHANNELS_PER_EVENT = 100;
    static final int MAX_BATCH = 10;
    private static final Pattern SOCKET_ID = Pattern.compile("\\d{1,19}\\.\\d{1,19}");

    private final PusherGateway gateway;
    private final Clock clock;

    HttpApi(PusherGateway gateway, Clock clock) {
        this.gateway = gateway;
        this.clock = clock;
    }

    /** An event checked and ready to store. */
    private record Event(String channel, String name, String data, String socketId) {
    }

    /** A request the API refuses, with its status. */
    private static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        Refused(int status, String reason) {
            super(reason, null, false, false);
            this.status = status;
        }
    }

    CompletionStage<ApiReply> answer(String method, String path, Map<String, List<String>> params, byte[] body) {
        String[] parts = path.substring(1).split("/", -1);
        if (parts.length < 3) {
            return done(ApiReply.refused(404, "Unknown path " + abbreviate(path)));
        }
        PusherGateway.App app = gateway.app(parts[1]);
        if (app == null) {
            return done(ApiReply.refused(404, "Unknown app " + abbreviate(parts[1])));
        }
        try {
            checkSignature(app.app(), method, path, params, body);
            String resource = parts[2];
            if (parts.length == 3 && resource.equals("events")) {
                requireMethod(method, "POST");
                return publish(app, event(app.app(), parse(body)));
            }
            if (parts.length == 3 && resource.equals("batch_events")) {
                requireMethod(method, "POST");
                return publish(app, batch(app.app(), parse(body)));
            }
            if (resource.equals("channels")) {
                requireMethod(method, "GET");
                if (parts.length == 3) {
                    return done(ApiReply.json(channels(app, params)));
                }
                String channel = parts[3];
                requireChannelName(channel);
                if (parts.length == 4) {
                    return done(ApiReply.json(channel(app, channel, params)));
                }
                if (parts.length == 5 && parts[4].equals("users")) {
                    return done(ApiReply.json(users(app, channel)));
                }
            }
            return done(ApiReply.refused(404, "Unknown path " + abbreviate(path)));
        } catch (Refused e) {
            log.debug("event=pusher_api_refused app={} status={} reason={}", app.app().id(), e.status, e.getMessage());
            return done(ApiReply.refused(e.status, e.getMessage()));
        }
    }

    private void checkSignature(PusherApp app, String method, String path, Map<String, List<String>> params, byte[] body)
            throws Refused {
        if (!app.key().equals(single(params, "auth_key"))) {
            throw new Refused(401, "Unknown auth_key");
        }
        String timestamp = single(params, "auth_timestamp");
        long seconds;
        try {
            seconds = Long.parseLong(timestamp == null ? "" : timestamp);
        } catch (NumberFormatException e) {
            throw new Refused(401, "auth_timestamp must be seconds since the epoch");
        }
        long now = clock.millis() / 1000;
        if (Math.abs(now - seconds) > MAX_CLOCK_SKEW_SECONDS) {
            throw new Refused(401, "Timestamp expired: Given timestamp (" + seconds + ") not within " + MAX_CLOCK_SKEW_SECONDS
                    + "s of server time (" + now + ")");
        }
        if (!"1.0".equals(single(params, "auth_version"))) {
            throw new Refused(401, "auth_version must be 1.0");
        }
        if (body.length > 0 && !Signatures.same(Signatures.md5Hex(body), single(params, "body_md5"))) {
            throw new Refused(401, "body_md5 does not match the body");
        }
        Map<String, String> sorted = new TreeMap<>();
        for (Map.Entry<String, List<String>> e : params.entrySet()) {
            if (!e.getKey().equals("auth_signature") && !e.getValue().isEmpty()) {
                sorted.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue().get(0));
            }
        }
        StringBuilder query = new StringBuilder();
        for (Map.Entry<String, String> e : sorted.entrySet()) {
            if (query.length() > 0) {
                query.append('&');
            }
            query.append(e.getKey()).append('=').append(e.getValue());
        }
        String expected = Signatures.hmacSha256Hex(app.secret(), method + "\n" + path + "\n" + query);
        if (!Signatures.same(expected, single(params, "auth_signature"))) {
            throw new Refused(401, "Invalid signature: you should have sent HmacSHA256Hex(\"" + method + "\\n" + path + "\\n"
                    + query + "\", your_secret)");
        }
    }

    private static JsonNode parse(byte[] body) throws Refused {
        try {
            JsonNode node = Frames.MAPPER.readTree(body);
            if (node == null || !node.isObject()) {
                throw new Refused(400, "The body must be a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new Refused(400, "The body must be JSON");
        }
    }

    private static List<Event> batch(PusherApp app, JsonNode body) throws Refused {
        JsonNode batch = body.path("batch");
        if (!batch.isArray()) {
            throw new Refused(400, "batch_events needs a \"batch\" array");
        }
        if (batch.size() > MAX_BATCH) {
            throw new Refused(400, "Batch too large: at most " + MAX_BATCH + " events, got " + batch.size());
        }
        List<Event> events = new ArrayList<>();
        for (JsonNode item : batch) {
            if (!item.isObject() || !item.path("channel").isTextual()) {
                throw new Refused(400, "Each batch event needs a \"channel\" string");
            }
            events.addAll(event(app, item));
        }
        return events;
    }

    /** The events one trigger makes, one per channel named. */
    private static List<Event> event(PusherApp app, JsonNode body) throws Refused {
        String name = body.path("name").isTextual() ? body.get("name").asText() : null;
        if (name == null || name.isEmpty() || name.length() > ChannelName.MAX_LENGTH) {
            throw new Refused(400, "An event needs a \"name\" of 1-" + ChannelName.MAX_LENGTH + " characters");
        }
        if (!body.path("data").isTextual()) {
            throw new Refused(400, "An event's \"data\" must be a string");
        }
        String data = body.get("data").asText();
        if (data.getBytes(StandardCharsets.UTF_8).length > app.maxEventBytes()) {
            throw new Refused(413, "Request Entity Too Large: event data is limited to " + app.maxEventBytes() + " bytes");
        }
        String socketId = null;
        if (body.hasNonNull("socket_id")) {
            socketId = body.get("socket_id").asText();
            if (!SOCKET_ID.matcher(socketId).matches()) {
                throw new Refused(400, "Invalid socket_id " + abbreviate(socketId));
            }
        }
        List<String> channels = new ArrayList<>();
        if (body.path("channels").isArray()) {
            for (JsonNode c : body.get("channels")) {
                channels.add(c.asText());
            }
        } else if (body.path("channel").isTextual()) {
            channels.add(body.get("channel").asText());
        }
        if (channels.isEmpty() || channels.size() > MAX_CHANNELS_PER_EVENT) {
            throw new Refused(400, "An event names 1-" + MAX_CHANNELS_PER_EVENT + " channels, got " + channels.size());
        }
        List<Event> events = new ArrayList<>();
        for (String channel : channels) {
            requireChannelName(channel);
            events.add(new Event(channel, name, data, socketId));
        }
        return events;
    }

    /** Stores every event; answers 200 once all are stored, 503 when any could not be. */
    private CompletionStage<ApiReply> publish(PusherGateway.App app, List<Event> events) {
        List<CompletableFuture<Message>> stored = new ArrayList<>();
        for (Event e : events) {
            byte[] json = Frames.stored(e.socketId(), e.channel(), e.name(), Frames.MAPPER.getNodeFactory().textNode(e.data()), null);
            stored.add(gateway.hub().publish(gateway.topic(app.app(), e.channel()), json).toCompletableFuture());
        }
        return CompletableFuture.allOf(stored.toArray(CompletableFuture[]::new)).handle((ok, failure) -> {
            if (failure != null) {
                log.warn("event=pusher_publish_failed app={} cause={}", app.app().id(), failure.toString());
                return ApiReply.refused(503, "The events could not be stored");
            }
            return ApiReply.json("{}");
        });
    }

    private static String channels(PusherGateway.App app, Map<String, List<String>> params) throws Refused {
        String prefix = single(params, "filter_by_prefix");
        List<String> info = infoOf(params);
        if (info.contains("user_count") && (prefix == null || !prefix.startsWith("presence-"))) {
            throw new Refused(400, "info=user_count needs filter_by_prefix=presence-");
        }
        ObjectNode root = Frames.MAPPER.createObjectNode();
        ObjectNode channels = root.putObject("channels");
        for (Map.Entry<String, AppChannels.Occupancy> e : app.channels().occupied(prefix == null ? "" : prefix).entrySet()) {
            ObjectNode attributes = channels.putObject(e.getKey());
            if (info.contains("user_count")) {
                attributes.put("user_count", e.getValue().userCount());
            }
            if (info.contains("subscription_count")) {
                attributes.put("subscription_count", e.getValue().subscriptionCount());
            }
        }
        return Frames.text(root);
    }

    private static String channel(PusherGateway.App app, String channel, Map<String, List<String>> params) throws Refused {
        List<String> info = infoOf(params);
        boolean presence = ChannelName.of(channel).access() == ChannelName.Access.PRESENCE;
        if (info.contains("user_count") && !presence) {
            throw new Refused(400, "info=user_count is only for presence channels");
        }
        AppChannels.Occupancy occupancy = app.channels().occupancy(channel);
        ObjectNode root = Frames.MAPPER.createObjectNode().put("occupied", occupancy.subscriptionCount() > 0);
        if (info.contains("user_count")) {
            root.put("user_count", occupancy.userCount());
        }
        if (info.contains("subscription_count")) {
            root.put("subscription_count", occupancy.subscriptionCount());
        }
        return Frames.text(root);
    }

    private static String users(PusherGateway.App app, String channel) throws Refused {
        if (ChannelName.of(channel).access() != ChannelName.Access.PRESENCE) {
            throw new Refused(400, "Users are only listed for presence channels");
        }
        ObjectNode root = Frames.MAPPER.createObjectNode();
        ArrayNode users = root.putArray("users");
        for (String id : app.channels().users(channel)) {
            users.addObject().put("id", id);
        }
        return Frames.text(root);
    }

    private static List<String> infoOf(Map<String, List<String>> params) {
        String info = single(params, "info");
        return info == null ? List.of() : List.of(info.split(","));
    }

    private static void requireChannelName(String channel) throws Refused {
        String problem = ChannelName.problem(channel);
        if (problem != null) {
            throw new Refused(400, "Invalid channel name: " + problem);
        }
    }

    private static void requireMethod(String method, String expected) throws Refused {
        if (!method.equals(expected)) {
            throw new Refused(405, "Use " + expected + " here");
        }
    }

    private static String single(Map<String, List<String>> params, String key) {
        List<String> values = params.get(key);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static CompletionStage<ApiReply> done(ApiReply reply) {
        return CompletableFuture.completedFuture(reply);
    }

    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "…";
    }
}
