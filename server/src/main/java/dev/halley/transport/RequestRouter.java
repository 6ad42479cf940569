package dev.halley.transport;

import dev.halley.auth.PublishGuard;
import dev.halley.auth.SubscriberTokens;
import dev.halley.auth.TokenRejected;
import dev.halley.message.Topic;
import dev.halley.presence.Member;
import dev.halley.pusher.PusherGateway;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each request to its endpoint: publish, status, or a subscription on the transport the
 * request's headers ask for. Holds the connection's pending long-poll, if any: a new request on
 * the same connection ends it ({@link PipelinedRequests} holds that request until the poll's
 * answer is written, so answers stay in request order). A poll left waiting on a plain HTTP/1.1
 * epoll connection takes the connection off Netty instead ({@link LongPoll#hold}) and ends itself.
 */
final class RequestRouter extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger log = LoggerFactory.getLogger(RequestRouter.class);

    private final Node node;
    private final HttpPipeline.Role role;
    /** How a poll held off Netty brings the connection back; null: polls are not held here. */
    private final HttpPipeline.Reentry reentry;
    private LongPoll pending;

    RequestRouter(Node node, HttpPipeline.Role role, HttpPipeline.Reentry reentry) {
        this.node = node;
        this.role = role;
        this.reentry = reentry;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        // A request reaches here only once the answer before it is written: a held poll is over.
        pending = null;
        if (request.decoderResult().isFailure()) {
            rejectUnreadable(ctx, request.decoderResult().cause());
            return;
        }
        if (request.protocolVersion().majorVersion() != 1) {
            // Only HTTP/1 framing is read here (a later 1.x is read as 1.1, RFC 9112 section 2.3),
            // so nothing after this request line can be trusted: answer and close.
            bad(ctx, HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
                    "only HTTP/1.0 and HTTP/1.1 are served, got " + abbreviate(request.protocolVersion().text()), false);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        // A semicolon is part of a value here: "callback=a;b" must be refused whole, not read as "a".
        QueryStringDecoder query = QueryStringDecoder.builder().semicolonIsNormalChar(true).maxParams(64).build(request.uri());
        String path;
        try {
            // Both decode lazily; decoding them now turns a broken escape such as %zz into a 400 here.
            path = query.path();
            query.parameters();
        } catch (IllegalArgumentException e) {
            bad(ctx, HttpResponseStatus.BAD_REQUEST, "the request URI is not valid percent-encoded UTF-8", keepAlive);
            return;
        }
        if (path.equals("/status")) {
            if (requireMethod(ctx, request, HttpMethod.GET, keepAlive)) {
                StatusEndpoint.answer(ctx, node, keepAlive);
            }
        } else if (path.equals("/status/stream")) {
            if (requireMethod(ctx, request, HttpMethod.GET, keepAlive)) {
                StatusStream.start(ctx, node);
            }
        } else if (path.equals("/metrics")) {
            if (requireMethod(ctx, request, HttpMethod.GET, keepAlive)) {
                MetricsEndpoint.answer(ctx, node, keepAlive);
            }
        } else if (StaticFiles.serves(path)) {
            if (requireMethod(ctx, request, HttpMethod.GET, keepAlive)) {
                StaticFiles.answer(ctx, path, keepAlive);
            }
        } else if (path.equals("/pub") || path.startsWith("/pub/")) {
            if (role == HttpPipeline.Role.SUBSCRIBE) {
                refuse(ctx, HttpResponseStatus.FORBIDDEN, "publishing is served on the publish address, not here", keepAlive,
                        NodeCounters.Reject.FORBIDDEN);
            } else if (requireMethod(ctx, request, HttpMethod.POST, keepAlive) && mayPublish(ctx, request, keepAlive)) {
                PublishEndpoint.handle(ctx, node, request, path, keepAlive);
            }
        } else if (node.pusher() != null && PusherGateway.isApiPath(path)) {
            if (role == HttpPipeline.Role.SUBSCRIBE) {
                refuse(ctx, HttpResponseStatus.FORBIDDEN, "the Pusher HTTP API is served on the publish address, not here", keepAlive,
                        NodeCounters.Reject.FORBIDDEN);
            } else {
                PusherRoute.api(ctx, node.pusher(), request, query, keepAlive);
            }
        } else if (node.pusher() != null && PusherGateway.isSocketPath(path) && role != HttpPipeline.Role.PUBLISH) {
            if (requireMethod(ctx, request, HttpMethod.GET, keepAlive)) {
                pusherSocket(ctx, request, query, keepAlive);
            }
        } else if (path.equals(MercureEndpoint.PATH)) {
            mercure(ctx, request, query, keepAlive);
        } else if (role == HttpPipeline.Role.PUBLISH) {
            bad(ctx, HttpResponseStatus.NOT_FOUND, "this address serves publishing and status only", keepAlive);
        } else if (path.equals("/sub") || path.startsWith("/sub/")) {
            whenAuthenticated(ctx, request, query, keepAlive, grant -> subscribe(ctx, request, query, grant, keepAlive));
        } else if (path.startsWith(PresenceEndpoint.CHANNEL_PATH) || path.startsWith(PresenceEndpoint.CLIENT_PATH)) {
            whenAuthenticated(ctx, request, query, keepAlive, grant -> presence(ctx, path, grant, keepAlive));
        } else if (path.equals("/admin/drain")) {
            if (requireMethod(ctx, request, HttpMethod.POST, keepAlive)) {
                AdminEndpoint.drain(ctx, node, keepAlive);
            }
        } else if (path.endsWith(".js") && path.lastIndexOf('/') == 0) {
            String clientId = path.substring(1, path.length() - 3);
            whenAuthenticated(ctx, request, query, keepAlive, grant -> megacometPoll(ctx, request, query, clientId, grant, keepAlive));
        } else {
            bad(ctx, HttpResponseStatus.NOT_FOUND, "no such path: " + abbreviate(path), keepAlive);
        }
    }

    /**
     * Runs {@code subscription} with the request's grant (null when subscribing is open) once its
     * subscriber token and method are right. The token is checked before anything else in the
     * request, so a caller without one learns nothing about how its parameters would be read.
     */
    private void whenAuthenticated(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder query, boolean keepAlive,
                                   Consumer<SubscriberTokens.Grant> subscription) {
        SubscriberTokens.Grant grant = null;
        if (node.subscriberTokens() != null) {
            grant = authenticate(ctx, request, query, keepAlive);
            if (grant == null) {
                return;
            }
        }
        if (requireMethod(ctx, request, HttpMethod.GET, keepAlive)) {
            subscription.accept(grant);
        }
    }

    private void subscribe(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder query,
                           SubscriberTokens.Grant grant, boolean keepAlive) {
        SubscribeRequest sub;
        try {
            sub = SubscribeRequest.parse(query, request.headers(), node.options());
        } catch (IllegalArgumentException e) {
            bad(ctx, HttpResponseStatus.BAD_REQUEST, e.getMessage(), keepAlive);
            return;
        }
        if (!covers(ctx, grant, sub.topics().stream().map(SubscribeRequest.TopicCursor::topic).toList(), keepAlive)) {
            return;
        }
        String client = sub.client();
        if (grant != null) {
            if (client != null && !client.equals(grant.clientId())) {
                refuse(ctx, HttpResponseStatus.FORBIDDEN, "the token is for client " + grant.clientId() + ", not " + client, keepAlive,
                        NodeCounters.Reject.FORBIDDEN);
                return;
            }
            client = grant.clientId();
        }
        if (sub.watchPresence() && client == null) {
            bad(ctx, HttpResponseStatus.BAD_REQUEST, "presence=1 needs a client id: id=<client> or a subscriber token with sub",
                    keepAlive);
            return;
        }
        String upgrade = request.headers().get(HttpHeaderNames.UPGRADE);
        String accept = request.headers().get(HttpHeaderNames.ACCEPT);
        if (upgrade != null && HttpHeaderValues.WEBSOCKET.contentEqualsIgnoreCase(upgrade)) {
            if (!node.origins().allows(request.headers().get(HttpHeaderNames.ORIGIN), request.headers().get(HttpHeaderNames.HOST))) {
                refuse(ctx, HttpResponseStatus.FORBIDDEN, "origin not allowed", false, NodeCounters.Reject.FORBIDDEN);
                return;
            }
            WebSocketStream.start(ctx, node, request, sub, grant, member(client, sub, Duration.ZERO));
        } else if (accept != null && accept.contains("text/event-stream")) {
            SseStream.start(ctx, node, sub, member(client, sub, Duration.ZERO));
        } else if (sub.topics().size() != 1) {
            bad(ctx, HttpResponseStatus.BAD_REQUEST, "long-poll takes exactly one client or channel", keepAlive);
        } else {
            SubscribeRequest.TopicCursor only = sub.topics().get(0);
            pending = new LongPoll(ctx, node, only.topic(), only.cursor(), sub.timeout(), LongPoll.Format.JSON, null, keepAlive,
                    member(client, sub, LongPoll.PRESENCE_LINGER));
            pending.start();
            holdIfWaiting(ctx, request);
        }
    }

    /**
     * Takes the connection of a poll that nothing answered yet off Netty ({@link LongPoll#hold}),
     * when it can leave: a plain epoll channel, HTTP/1.1, nothing unsent and no request waiting
     * behind this one (a waiting request ends the poll at once; it is answered here, in order).
     */
    private void holdIfWaiting(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (reentry == null || !pending.waiting() || !request.protocolVersion().equals(HttpVersion.HTTP_1_1)
                || !HeldSocket.canHold(ctx.channel())
                || !(ctx.pipeline().get(HttpPipeline.PIPELINED) instanceof PipelinedRequests pipelined && pipelined.nothingWaits())
                || !(ctx.pipeline().get(HttpPipeline.CORS) instanceof CrossOrigin cors)) {
            return;
        }
        LongPoll poll = pending;
        // The router goes with the abandoned channel; the held poll ends itself from now on.
        pending = null;
        poll.hold(ctx, reentry, cors.allowOrigin());
    }

    static Member member(String client, SubscribeRequest sub, Duration linger) {
        return client == null ? null : new Member(client, sub.watchPresence(), linger);
    }

    /** {@code GET /presence/channel/{name}} or {@code /presence/client/{id}}, for what the grant covers. */
    private void presence(ChannelHandlerContext ctx, String path, SubscriberTokens.Grant grant, boolean keepAlive) {
        boolean channel = path.startsWith(PresenceEndpoint.CHANNEL_PATH);
        String name = path.substring((channel ? PresenceEndpoint.CHANNEL_PATH : PresenceEndpoint.CLIENT_PATH).length());
        String problem = Names.checkTopicName(name, node.limits().maxNameLength());
        if (problem != null) {
            bad(ctx, HttpResponseStatus.BAD_REQUEST, problem, keepAlive);
            return;
        }
        Topic topic = channel ? Topic.channel(name) : Topic.client(name);
        if (covers(ctx, grant, List.of(topic), keepAlive)) {
            PresenceEndpoint.answer(ctx, node, topic, keepAlive);
        }
    }

    private void pusherSocket(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder query, boolean keepAlive) {
        String upgrade = request.headers().get(HttpHeaderNames.UPGRADE);
        if (upgrade == null || !HttpHeaderValues.WEBSOCKET.contentEqualsIgnoreCase(upgrade)) {
            bad(ctx, HttpResponseStatus.BAD_REQUEST, "the Pusher protocol is spoken over WebSocket here", keepAlive);
        } else if (!node.origins().allows(request.headers().get(HttpHeaderNames.ORIGIN), request.headers().get(HttpHeaderNames.HOST))) {
            refuse(ctx, HttpResponseStatus.FORBIDDEN, "origin not allowed", false, NodeCounters.Reject.FORBIDDEN);
        } else {
            PusherRoute.socket(ctx, node, request, query);
        }
    }

    /** The Mercure hub: GET subscribes, POST publishes, each where this listener's role allows. */
    private void mercure(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder query, boolean keepAlive) {
        if (node.mercure() == null) {
            bad(ctx, HttpResponseStatus.NOT_FOUND, "the Mercure hub is off: start with --mercure-publisher-key", keepAlive);
        } else if (request.method().equals(HttpMethod.POST)) {
            if (role == HttpPipeline.Role.SUBSCRIBE) {
                refuse(ctx, HttpResponseStatus.FORBIDDEN, "publishing is served on the publish address, not here", keepAlive,
                        NodeCounters.Reject.FORBIDDEN);
            } else {
                MercureEndpoint.publish(ctx, node, request, query, keepAlive);
            }
        } else if (role == HttpPipeline.Role.PUBLISH) {
            bad(ctx, HttpResponseStatus.NOT_FOUND, "this address serves publishing and status only", keepAlive);
        } else if (requireMethod(ctx, request, HttpMethod.GET, keepAlive)) {
            MercureEndpoint.subscribe(ctx, node, request, query, keepAlive);
        }
    }

    private void megacometPoll(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder query, String clientId,
                               SubscriberTokens.Grant grant, boolean keepAlive) {
        String nameProblem = Names.checkTopicName(clientId, node.limits().maxNameLength());
        if (nameProblem != null) {
            bad(ctx, HttpResponseStatus.BAD_REQUEST, nameProblem, keepAlive);
            return;
        }
        if (!covers(ctx, grant, List.of(Topic.client(clientId)), keepAlive)) {
            return;
        }
        List<String> callbacks = query.parameters().get("callback");
        String callback = callbacks == null || callbacks.isEmpty() ? null : callbacks.get(0);
        if (callback != null) {
            String problem = Names.checkCallback(callback);
            if (problem != null) {
                bad(ctx, HttpResponseStatus.BAD_REQUEST, problem, keepAlive);
                return;
            }
        }
        Duration timeout;
        try {
            timeout = SubscribeRequest.timeout(query, node.options());
        } catch (IllegalArgumentException e) {
            bad(ctx, HttpResponseStatus.BAD_REQUEST, e.getMessage(), keepAlive);
            return;
        }
        pending = new LongPoll(ctx, node, Topic.client(clientId), null, timeout,
                LongPoll.Format.JAVASCRIPT, callback, keepAlive, null);
        pending.start();
        holdIfWaiting(ctx, request);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (pending != null) {
            pending.cancel();
            pending = null;
        }
        super.channelInactive(ctx);
    }

    /**
     * A request waits behind a held long-poll: the poll is answered now, as a new request always
     * ended it. The node drains: a held long-poll is answered with its cursor, then the connection ends.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == PipelinedRequests.NEXT_REQUEST_WAITS) {
            endPendingPoll();
        } else if (evt == NodeAdmin.DRAIN) {
            endPendingPoll();
            AdminEndpoint.closeAfterWrites(ctx);
        } else {
            super.userEventTriggered(ctx, evt);
        }
    }

    /** Answers a held long-poll now with what it has (nothing new). */
    private void endPendingPoll() {
        LongPoll held = pending;
        pending = null;
        if (held != null) {
            held.endNow();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("event=connection_error remote={} cause={}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    private void rejectUnreadable(ChannelHandlerContext ctx, Throwable cause) {
        HttpResponseStatus status;
        String reason;
        if (cause instanceof TooLongHttpHeaderException) {
            status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
            reason = "request headers larger than " + node.limits().maxHeaderBytes() + " bytes";
        } else if (cause instanceof TooLongHttpLineException) {
            status = HttpResponseStatus.REQUEST_URI_TOO_LONG;
            reason = "request line longer than " + node.limits().maxUriBytes() + " bytes";
        } else if (cause instanceof TooLongFrameException) {
            status = HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
            reason = "request too large";
        } else {
            status = HttpResponseStatus.BAD_REQUEST;
            reason = "malformed HTTP request";
        }
        node.counters().rejected(status == HttpResponseStatus.BAD_REQUEST ? NodeCounters.Reject.BAD_REQUEST : NodeCounters.Reject.TOO_LARGE);
        Replies.error(ctx, status, reason, false);
    }

    /** Applies the publish key and rate; answers and returns false when the request may not publish. */
    private boolean mayPublish(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive) {
        PublishGuard.Refusal refusal = node.publishGuard().check(request.headers().get(HttpHeaderNames.AUTHORIZATION),
                System.nanoTime());
        if (refusal == null) {
            return true;
        }
        switch (refusal.cause()) {
            case NO_KEY -> refuse(ctx, HttpResponseStatus.UNAUTHORIZED, refusal.reason(), keepAlive, NodeCounters.Reject.UNAUTHORIZED);
            case WRONG_KEY -> refuse(ctx, HttpResponseStatus.FORBIDDEN, refusal.reason(), keepAlive, NodeCounters.Reject.UNAUTHORIZED);
            case RATE_LIMITED -> refuse(ctx, HttpResponseStatus.TOO_MANY_REQUESTS, refusal.reason(), keepAlive,
                    NodeCounters.Reject.RATE_LIMITED);
        }
        return false;
    }

    /**
     * Verifies the subscriber token ({@code ?token=} or {@code Authorization: Bearer}); answers 401
     * and returns null when it is missing, invalid or expired.
     */
    private SubscriberTokens.Grant authenticate(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder query,
                                                boolean keepAlive) {
        List<String> fromQuery = query.parameters().get("token");
        String token = fromQuery == null || fromQuery.isEmpty() ? null : fromQuery.get(0);
        String auth = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (token == null && auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            token = auth.substring(7).strip();
        }
        try {
            return node.subscriberTokens().verify(token, System.currentTimeMillis());
        } catch (TokenRejected e) {
            refuse(ctx, HttpResponseStatus.UNAUTHORIZED, e.getMessage(), keepAlive, NodeCounters.Reject.UNAUTHORIZED);
            return null;
        }
    }

    /** Whether {@code grant} (null: subscribing is open) covers every topic; answers 403 otherwise. */
    private boolean covers(ChannelHandlerContext ctx, SubscriberTokens.Grant grant, List<Topic> topics, boolean keepAlive) {
        if (grant == null) {
            return true;
        }
        for (Topic t : topics) {
            if (!grant.covers(t)) {
                refuse(ctx, HttpResponseStatus.FORBIDDEN, "the token does not cover " + t, keepAlive, NodeCounters.Reject.FORBIDDEN);
                return false;
            }
        }
        return true;
    }

    private void refuse(ChannelHandlerContext ctx, HttpResponseStatus status, String reason, boolean keepAlive,
                        NodeCounters.Reject cause) {
        node.counters().rejected(cause);
        Replies.error(ctx, status, reason, keepAlive);
    }

    private boolean requireMethod(ChannelHandlerContext ctx, FullHttpRequest request, HttpMethod method, boolean keepAlive) {
        if (request.method().equals(method)) {
            return true;
        }
        bad(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "use " + method + " here", keepAlive);
        return false;
    }

    private void bad(ChannelHandlerContext ctx, HttpResponseStatus status, String reason, boolean keepAlive) {
        node.counters().rejected(NodeCounters.Reject.BAD_REQUEST);
        Replies.error(ctx, status, reason, keepAlive);
    }

    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "…";
    }
}
