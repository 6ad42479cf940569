package dev.halley.transport;

import dev.halley.hub.Subscriber;
import dev.halley.hub.Subscription;
import dev.halley.message.Backlog;
import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import dev.halley.transport.mercure.MercureGrant;
import dev.halley.transport.mercure.MercureTokens;
import dev.halley.transport.mercure.MercureUpdate;
import dev.halley.transport.mercure.TopicSelector;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Mercure hub at {@code /.well-known/mercure}: {@code GET} subscribes (an SSE stream),
 * {@code POST} publishes an update (a form) and answers with its id as {@code text/plain}.
 *
 * <p>Every Mercure update is one message of one Halley channel, {@link #UPDATES}: its history,
 * resume after a cursor and cross-node delivery are the broker's, and each stream filters the
 * channel by its own selectors and grant. The subscriptions API and subscription events are not
 * served.
 */
final class MercureEndpoint {

    static final String PATH = "/.well-known/mercure";
    /** The relative hub link every Mercure answer carries, for discovery. */
    static final String LINK = "<" + PATH + ">; rel=\"mercure\"";
    /** The channel of every Mercure update; its name is outside the alphabet of names clients may use. */
    static final Topic UPDATES = Topic.channel("mercure:updates");
    /** A cursor of no epoch: the broker answers it with everything it keeps. */
    static final MessageId EARLIEST = new MessageId("earliest", 0);
    static final String COOKIE = "mercureAuthorization";
    private static final int MAX_SELECTORS = 32;

    private static final Logger log = LoggerFactory.getLogger(MercureEndpoint.class);

    private MercureEndpoint() {
    }

    /** {@code GET}: reads selectors, grant and resume point, then hands the connection to a {@link MercureStream}. */
    static void subscribe(ChannelHandlerContext ctx, Node node, FullHttpRequest request, QueryStringDecoder query, boolean keepAlive) {
        List<TopicSelector> selectors;
        try {
            selectors = selectors(query.parameters());
        } catch (IllegalArgumentException e) {
            refuse(ctx, node, HttpResponseStatus.BAD_REQUEST, e.getMessage(), keepAlive, NodeCounters.Reject.BAD_REQUEST);
            return;
        }
        String token = token(request, query, true);
        MercureGrant grant = MercureGrant.ANONYMOUS;
        if (token != null) {
            try {
                grant = node.mercure().subscriberTokens().verify(token, System.currentTimeMillis());
            } catch (MercureTokens.Rejected e) {
                refuse(ctx, node, HttpResponseStatus.UNAUTHORIZED, e.getMessage(), keepAlive, NodeCounters.Reject.UNAUTHORIZED);
                return;
            }
        } else if (!node.mercure().anonymousSubscribers()) {
            refuse(ctx, node, HttpResponseStatus.UNAUTHORIZED, "subscribing needs a JWT: Authorization: Bearer, the "
                    + COOKIE + " cookie or ?authorization=", keepAlive, NodeCounters.Reject.UNAUTHORIZED);
            return;
        }
        String lastEventId = request.headers().get(SubscribeRequest.LAST_EVENT_ID);
        if (lastEventId == null || lastEventId.isEmpty()) {
            lastEventId = first(query.parameters(), "lastEventID");
        }
        if (lastEventId == null || lastEventId.isEmpty()) {
            MercureStream.start(ctx, node, selectors, grant, null, null);
        } else if (lastEventId.equals("earliest")) {
            MercureStream.start(ctx, node, selectors, grant, EARLIEST, "earliest");
        } else if (lastEventId.startsWith(MercureStream.HUB_ID_PREFIX)) {
            MessageId cursor;
            try {
                cursor = MessageId.parse(lastEventId.substring(MercureStream.HUB_ID_PREFIX.length()));
            } catch (IllegalArgumentException e) {
                refuse(ctx, node, HttpResponseStatus.BAD_REQUEST, "Last-Event-ID: " + e.getMessage(), keepAlive,
                        NodeCounters.Reject.BAD_REQUEST);
                return;
            }
            MercureStream.start(ctx, node, selectors, grant, cursor, lastEventId);
        } else {
            resumeAfterPublisherId(ctx, node, selectors, grant, lastEventId);
        }
    }

    /**
     * A publisher's own id is no cursor: look it up in the kept history first, then stream from
     * its message on. An id no longer kept (or never seen) resumes from the earliest kept update,
     * and the answer says {@code Last-Event-ID: earliest}.
     */
    private static void resumeAfterPublisherId(ChannelHandlerContext ctx, Node node, List<TopicSelector> selectors,
                                               MercureGrant grant, String publisherId) {
        // Nothing is read meanwhile: the answer to this request comes first.
        ctx.channel().config().setAutoRead(false);
        Subscription[] lookup = new Subscription[1];
        lookup[0] = node.hub().subscribe(UPDATES, EARLIEST, new Subscriber() {
            @Override
            public void onBacklog(Backlog backlog) {
                MessageId found = null;
                for (Message m : backlog.messages()) {
                    MercureUpdate u = MercureStream.decode(m);
                    if (u != null && publisherId.equals(u.id())) {
                        found = m.id();
                    }
                }
                MessageId cursor = found;
                // On the connection's loop, after subscribe has returned (it may call back inline).
                ctx.executor().execute(() -> {
                    lookup[0].cancel();
                    ctx.channel().config().setAutoRead(true);
                    if (ctx.channel().isActive()) {
                        MercureStream.start(ctx, node, selectors, grant, cursor == null ? EARLIEST : cursor,
                                cursor == null ? "earliest" : publisherId);
                    }
                });
            }

            @Override
            public void onMessage(Message message) {
                // The lookup reads history only; the stream that follows gets live updates.
            }

            @Override
            public void onFailure(Throwable cause) {
                ctx.executor().execute(() -> Replies.error(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE,
                        "history unavailable: " + cause.getMessage(), false));
            }
        });
    }

    /** {@code POST}: verifies the publisher's JWT, reads the form, stores the update, answers with its id. */
    static void publish(ChannelHandlerContext ctx, Node node, FullHttpRequest request, QueryStringDecoder query, boolean keepAlive) {
        String token = token(request, query, false);
        if (token == null) {
            refuse(ctx, node, HttpResponseStatus.UNAUTHORIZED, "publishing needs a JWT: Authorization: Bearer or the "
                    + COOKIE + " cookie", keepAlive, NodeCounters.Reject.UNAUTHORIZED);
            return;
        }
        MercureGrant grant;
        try {
            grant = node.mercure().publisherTokens().verify(token, System.currentTimeMillis());
        } catch (MercureTokens.Rejected e) {
            refuse(ctx, node, HttpResponseStatus.UNAUTHORIZED, e.getMessage(), keepAlive, NodeCounters.Reject.UNAUTHORIZED);
            return;
        }
        MercureUpdate update;
        try {
            update = form(request);
        } catch (IllegalArgumentException e) {
            refuse(ctx, node, HttpResponseStatus.BAD_REQUEST, e.getMessage(), keepAlive, NodeCounters.Reject.BAD_REQUEST);
            return;
        }
        if (!grant.mayPublish(update)) {
            refuse(ctx, node, HttpResponseStatus.FORBIDDEN, "the JWT's mercure.publish does not cover every topic of the update",
                    keepAlive, NodeCounters.Reject.FORBIDDEN);
            return;
        }
        ctx.channel().config().setAutoRead(false);
        node.hub().publish(UPDATES, update.toJson()).whenComplete((stored, failure) -> ctx.executor().execute(() -> {
            ctx.channel().config().setAutoRead(true);
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                log.warn("event=mercure_publish_failed cause={}", cause.toString());
                Replies.error(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "update not stored: " + cause.getMessage(), keepAlive);
                return;
            }
            answer(ctx, HttpResponseStatus.OK, MercureStream.eventId(stored, update), keepAlive);
        }));
    }

    /** The form fields of a publication; {@link IllegalArgumentException} names what is wrong. */
    static MercureUpdate form(FullHttpRequest request) {
        String contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
        if (!contentType.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
            throw new IllegalArgumentException("publish with Content-Type: application/x-www-form-urlencoded");
        }
        String body = request.content().toString(StandardCharsets.UTF_8);
        Map<String, List<String>> fields = new QueryStringDecoder(body, StandardCharsets.UTF_8, false, 1024).parameters();
        List<String> topics = fields.getOrDefault("topic", List.of());
        if (topics.isEmpty()) {
            throw new IllegalArgumentException("an update needs at least one topic field");
        }
        String retry = first(fields, "retry");
        long retryMillis = -1;
        if (retry != null && !retry.isEmpty()) {
            try {
                retryMillis = Long.parseLong(retry);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("retry must be a number of milliseconds, got '" + abbreviate(retry) + "'");
            }
            if (retryMillis < 0) {
                throw new IllegalArgumentException("retry must be a non-negative number of milliseconds, got " + retryMillis);
            }
        }
        String id = first(fields, "id");
        String type = first(fields, "type");
        return new MercureUpdate(topics, first(fields, "data"), fields.containsKey("private"),
                id == null || id.isEmpty() ? null : id, type == null || type.isEmpty() ? null : type, retryMillis);
    }

    /**
     * The subscription's selectors: {@code topic} (drafts up to 07: exact or URI template),
     * {@code match} / {@code match_exact} and {@code match_urlpattern} (later drafts).
     */
    static List<TopicSelector> selectors(Map<String, List<String>> params) {
        List<TopicSelector> out = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : params.entrySet()) {
            String name = e.getKey();
            for (String value : e.getValue()) {
                switch (name) {
                    case "topic" -> out.add(TopicSelector.topicParameter(value));
                    case "match", "match_exact" -> out.add(TopicSelector.exact(value));
                    case "match_urlpattern" -> out.add(TopicSelector.urlPattern(value));
                    default -> {
                        if (name.startsWith("match_")) {
                            throw new IllegalArgumentException("matcher type " + abbreviate(name.substring(6))
                                    + " is not supported: use topic, match or match_urlpattern");
                        }
                    }
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("subscribe with at least one topic (or match / match_urlpattern) parameter");
        }
        if (out.size() > MAX_SELECTORS) {
            throw new IllegalArgumentException("at most " + MAX_SELECTORS + " topic selectors per subscription");
        }
        return List.copyOf(out);
    }

    /**
     * The JWT presented: the {@code Authorization} header wins, then (subscribers only) the
     * {@code authorization} query parameter, then the cookie.
     */
    private static String token(FullHttpRequest request, QueryStringDecoder query, boolean mayUseQuery) {
        String auth = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return auth.substring(7).strip();
        }
        String fromQuery = mayUseQuery ? first(query.parameters(), "authorization") : null;
        if (fromQuery != null && !fromQuery.isEmpty()) {
            return fromQuery;
        }
        String cookies = request.headers().get(HttpHeaderNames.COOKIE);
        if (cookies != null) {
            for (Cookie c : ServerCookieDecoder.STRICT.decode(cookies)) {
                if (c.name().equals(COOKIE)) {
                    return c.value();
                }
            }
        }
        return null;
    }

    private static void answer(ChannelHandlerContext ctx, HttpResponseStatus status, String text, boolean keepAlive) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
                .set("Link", LINK);
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.writeAndFlush(response);
        }
    }

    private static void refuse(ChannelHandlerContext ctx, Node node, HttpResponseStatus status, String reason, boolean keepAlive,
                               NodeCounters.Reject cause) {
        node.counters().rejected(cause);
        Replies.error(ctx, status, reason, keepAlive);
    }

    private static String first(Map<String, List<String>> params, String key) {
        List<String> values = params.get(key);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "…";
    }
}
