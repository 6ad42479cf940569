package dev.halley.transport;

import dev.halley.auth.TokenRejected;
import dev.halley.hub.FanoutBehind;
import dev.halley.message.Topic;
import dev.halley.transport.mercure.MercureGrant;
import dev.halley.transport.mercure.MercureRequests;
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
    static final String COOKIE = "mercureAuthorization";

    private static final Logger log = LoggerFactory.getLogger(MercureEndpoint.class);

    private MercureEndpoint() {
    }

    /** {@code GET}: reads selectors, grant and resume point, then hands the connection to a {@link MercureStream} from where {@link MercureResume} says. */
    static void subscribe(ChannelHandlerContext ctx, Node node, FullHttpRequest request, QueryStringDecoder query, boolean keepAlive) {
        List<TopicSelector> selectors;
        try {
            selectors = MercureRequests.selectors(query.parameters());
        } catch (IllegalArgumentException e) {
            refuse(ctx, node, HttpResponseStatus.BAD_REQUEST, e.getMessage(), keepAlive, NodeCounters.Reject.BAD_REQUEST);
            return;
        }
        String token = token(request, query, true);
        MercureGrant grant = MercureGrant.ANONYMOUS;
        if (token != null) {
            try {
                grant = node.mercure().subscriberTokens().verify(token, System.currentTimeMillis());
            } catch (TokenRejected e) {
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
        try {
            MercureResume.start(ctx, node, selectors, grant, lastEventId == null || lastEventId.isEmpty() ? null : lastEventId);
        } catch (IllegalArgumentException e) {
            refuse(ctx, node, HttpResponseStatus.BAD_REQUEST, "Last-Event-ID: " + e.getMessage(), keepAlive,
                    NodeCounters.Reject.BAD_REQUEST);
        }
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
        } catch (TokenRejected e) {
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
        node.hub().publish(UPDATES, update.toJson()).whenComplete((stored, failure) -> ctx.executor().execute(() -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                if (cause instanceof FanoutBehind) {
                    refuse(ctx, node, HttpResponseStatus.SERVICE_UNAVAILABLE, cause.getMessage(), keepAlive,
                            NodeCounters.Reject.FANOUT_BEHIND);
                    return;
                }
                log.warn("event=mercure_publish_failed cause={}", cause.toString());
                Replies.error(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "update not stored: " + cause.getMessage(), keepAlive);
                return;
            }
            answer(ctx, HttpResponseStatus.OK, MercureStream.eventId(stored, update), keepAlive);
        }));
    }

    /** The form fields of a publication; {@link IllegalArgumentException} names what is wrong. */
    private static MercureUpdate form(FullHttpRequest request) {
        String contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
        if (!contentType.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
            throw new IllegalArgumentException("publish with Content-Type: application/x-www-form-urlencoded");
        }
        String body = request.content().toString(StandardCharsets.UTF_8);
        return MercureRequests.update(new QueryStringDecoder(body, StandardCharsets.UTF_8, false, 1024).parameters());
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
}
