package dev.halley.transport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.halley.hub.FanoutBehind;
import dev.halley.hub.Hub.Publication;
import dev.halley.message.Topic;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.FastThreadLocal;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /pub/client/{id}}, {@code POST /pub/channel/{name}} and the batch {@code POST /pub}.
 *
 * <p>The body becomes one JSON value once, here: JSON bodies are parsed and re-encoded compactly
 * (so no raw line break can reach an SSE {@code data:} line), text bodies become a JSON string.
 * The answer is sent when the broker has stored the message; {@link PipelinedRequests} holds
 * the connection's next request until then, so pipelined requests are answered in order.
 */
final class PublishEndpoint {

    private static final Logger log = LoggerFactory.getLogger(PublishEndpoint.class);
    private static final ObjectReader READER = Envelopes.MAPPER.reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    /** Refuses malformed UTF-8 instead of replacing it; one per thread, as a decoder keeps state. */
    private static final FastThreadLocal<CharsetDecoder> STRICT_UTF8 = new FastThreadLocal<>() {
        @Override
        protected CharsetDecoder initialValue() {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
        }
    };

    private PublishEndpoint() {
    }

    static void handle(ChannelHandlerContext ctx, Node node, FullHttpRequest request, String path, boolean keepAlive) {
        List<Publication> publications;
        try {
            publications = path.equals("/pub") ? batch(request, node) : List.of(single(request, path, node));
        } catch (IllegalArgumentException e) {
            node.counters().rejected(NodeCounters.Reject.BAD_REQUEST);
            Replies.error(ctx, HttpResponseStatus.BAD_REQUEST, e.getMessage(), keepAlive);
            return;
        }
        node.hub().publishAll(publications).whenComplete((stored, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                if (cause instanceof FanoutBehind) {
                    node.counters().rejected(NodeCounters.Reject.FANOUT_BEHIND);
                    Replies.error(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, cause.getMessage(), keepAlive);
                    return;
                }
                log.warn("event=publish_failed cause={}", cause.toString());
                Replies.error(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "message not stored: " + cause.getMessage(), keepAlive);
                return;
            }
            String body;
            if (path.equals("/pub")) {
                StringBuilder sb = new StringBuilder("{\"results\":[");
                for (int i = 0; i < stored.size(); i++) {
                    sb.append(i > 0 ? "," : "").append(Envelopes.published(stored.get(i)));
                }
                body = sb.append("]}").toString();
            } else {
                body = Envelopes.published(stored.get(0));
            }
            Replies.json(ctx, HttpResponseStatus.OK, body.getBytes(StandardCharsets.US_ASCII), keepAlive);
        });
    }

    private static Publication single(FullHttpRequest request, String path, Node node) {
        Topic topic;
        if (path.startsWith("/pub/client/")) {
            topic = Topic.client(SubscribeRequest.checkName(path.substring("/pub/client/".length()), node.limits()));
        } else if (path.startsWith("/pub/channel/")) {
            topic = Topic.channel(SubscribeRequest.checkName(path.substring("/pub/channel/".length()), node.limits()));
        } else {
            throw new IllegalArgumentException("publish at /pub/client/{id}, /pub/channel/{name} or /pub (batch)");
        }
        ByteBuf content = request.content();
        String contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
        if (contentType.toLowerCase().startsWith("application/json")) {
            return new Publication(topic, compact(parseJson(content)));
        }
        return new Publication(topic, Envelopes.jsonString(utf8(content)));
    }

    private static List<Publication> batch(FullHttpRequest request, Node node) {
        JsonNode array = parseJson(request.content());
        if (!array.isArray() || array.isEmpty()) {
            throw new IllegalArgumentException("a batch is a non-empty JSON array of {\"client\"|\"channel\":..,\"data\":..}");
        }
        List<Publication> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            JsonNode entry = array.get(i);
            try {
                out.add(entry(entry, node));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("entry " + i + ": " + e.getMessage());
            }
        }
        return out;
    }

    private static Publication entry(JsonNode entry, Node node) {
        if (!entry.isObject()) {
            throw new IllegalArgumentException("must be an object");
        }
        boolean client = entry.hasNonNull("client");
        boolean channel = entry.hasNonNull("channel");
        if (client == channel) {
            throw new IllegalArgumentException("name exactly one of client or channel");
        }
        if (!entry.has("data")) {
            throw new IllegalArgumentException("data is missing");
        }
        String name = SubscribeRequest.checkName((client ? entry.get("client") : entry.get("channel")).asText(), node.limits());
        return new Publication(client ? Topic.client(name) : Topic.channel(name), compact(entry.get("data")));
    }

    private static JsonNode parseJson(ByteBuf content) {
        try {
            JsonNode node = READER.readTree(ByteBufUtil.getBytes(content));
            if (node == null || node.isMissingNode()) {
                throw new IllegalArgumentException("the body is empty; JSON was announced");
            }
            return node;
        } catch (IOException e) {
            throw new IllegalArgumentException("the body is not valid JSON");
        }
    }

    private static byte[] compact(JsonNode value) {
        try {
            return Envelopes.MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed JSON tree always serialises", e);
        }
    }

    private static String utf8(ByteBuf content) {
        try {
            // The body's own memory, not a copy; the decoder is the loop's, reset by decode.
            return STRICT_UTF8.get().decode(content.nioBuffer()).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("a text body must be UTF-8; send JSON with Content-Type: application/json");
        }
    }
}
