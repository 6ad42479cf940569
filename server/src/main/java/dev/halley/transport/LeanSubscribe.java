package dev.halley.transport;

import io.netty.channel.EventLoop;
import io.netty.channel.unix.FileDescriptor;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetAddress;
import java.time.Duration;

/**
 * The transports' side of the edge's lean accept path: a plain HTTP/1.1 {@code GET} of a
 * subscribe URL whose head the edge read off a bare socket, served as a held SSE stream without a
 * Netty channel ever being made for it. It serves only what {@link RequestRouter} would answer
 * with an SSE stream, read exactly as the router reads it; for anything else it does nothing and
 * says so, and the edge gives the connection to Netty, whose pipeline then answers it as always
 * (including every 4xx).
 */
public final class LeanSubscribe {

    private LeanSubscribe() {
    }

    /**
     * Starts an SSE stream on {@code fd} if the request is one {@link RequestRouter} would answer
     * with one; then the socket is the stream's and this returns true. Returns false, having
     * touched nothing, for any other request, an invalid one included. Called on {@code loop},
     * where {@code fd} was accepted.
     *
     * @param uri the request target as sent
     * @param accept the {@code Accept} header, or null
     * @param lastEventId the {@code Last-Event-ID} header, or null
     */
    public static boolean trySse(Node node, HttpPipeline.Role role, EventLoop loop, FileDescriptor fd, InetAddress peer,
                                 String uri, String accept, String lastEventId) {
        // The router's checks before an SSE stream, in its order: listener role, token, path, Accept, presence's client.
        if (role == HttpPipeline.Role.PUBLISH || node.subscriberTokens() != null
                || accept == null || !accept.contains("text/event-stream")) {
            return false;
        }
        QueryStringDecoder query = QueryStringDecoder.builder().semicolonIsNormalChar(true).maxParams(64).build(uri);
        SubscribeRequest request;
        try {
            String path = query.path();
            if (!(path.equals("/sub") || path.startsWith("/sub/")) || StaticFiles.serves(path)) {
                return false;
            }
            HttpHeaders headers = lastEventId == null ? EmptyHttpHeaders.INSTANCE
                    : new DefaultHttpHeaders().add(SubscribeRequest.LAST_EVENT_ID, lastEventId);
            request = SubscribeRequest.parse(query, headers, node.options());
        } catch (IllegalArgumentException e) {
            // The router answers this request's 400 with the same reason; Netty's pipeline will.
            return false;
        }
        if (request.watchPresence() && request.client() == null) {
            return false;
        }
        SseStream.startHeld(loop, node, fd, peer, request, RequestRouter.member(request.client(), request, Duration.ZERO));
        return true;
    }
}
