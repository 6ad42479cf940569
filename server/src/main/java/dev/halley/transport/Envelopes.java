package dev.halley.transport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import dev.halley.presence.PresenceEvent;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The JSON that goes out on every transport. A message's data is already one encoded JSON value
 * and is copied in as is; names and ids come from restricted alphabets and need no escaping.
 */
final class Envelopes {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private Envelopes() {
    }

    /** {@code {"id":"..","client":"a","data":..}}, or with {@code "type":"message"} first for WebSocket. */
    static void writeMessage(ByteBuf out, Message m, boolean typed) {
        out.writeCharSequence(typed ? "{\"type\":\"message\",\"id\":\"" : "{\"id\":\"", StandardCharsets.US_ASCII);
        out.writeCharSequence(m.id().toString(), StandardCharsets.US_ASCII);
        writeTopic(out, m.topic());
        out.writeCharSequence(",\"data\":", StandardCharsets.US_ASCII);
        out.writeBytes(m.json());
        out.writeByte('}');
    }

    /**
     * {@code {"messages":[..],"cursor":"..","gap":false}}, with {@code "presence":[..]} after the
     * messages when join or leave events answer the poll (see {@link #presence}).
     */
    static void writeLongPollAnswer(ByteBuf out, List<Message> messages, List<PresenceEvent> presence, MessageId cursor,
                                    boolean gap) {
        out.writeCharSequence("{\"messages\":[", StandardCharsets.US_ASCII);
        for (int i = 0; i < messages.size(); i++) {
            if (i > 0) {
                out.writeByte(',');
            }
            writeMessage(out, messages.get(i), false);
        }
        out.writeByte(']');
        if (!presence.isEmpty()) {
            out.writeCharSequence(",\"presence\":[", StandardCharsets.US_ASCII);
            for (int i = 0; i < presence.size(); i++) {
                if (i > 0) {
                    out.writeByte(',');
                }
                out.writeCharSequence(presence(presence.get(i), false, true), StandardCharsets.US_ASCII);
            }
            out.writeByte(']');
        }
        out.writeCharSequence(",\"cursor\":", StandardCharsets.US_ASCII);
        out.writeCharSequence(cursor == null ? "null" : "\"" + cursor + "\"", StandardCharsets.US_ASCII);
        out.writeCharSequence(gap ? ",\"gap\":true}" : ",\"gap\":false}", StandardCharsets.US_ASCII);
    }

    /** {@code {"client":"a","cursor":".."}}, or with {@code "type":"gap"} first for WebSocket. */
    static String gap(Topic topic, MessageId cursor, boolean typed) {
        return (typed ? "{\"type\":\"gap\",\"" : "{\"") + topic.kind().word() + "\":\"" + topic.name()
                + "\",\"cursor\":\"" + cursor + "\"}";
    }

    /**
     * {@code {"channel":"x","client":"a"}} (SSE, whose event line names the kind), with
     * {@code "event":"join"} first when {@code named} (long-poll), and {@code "type":"presence"}
     * before that when {@code typed} (WebSocket). Names come from the restricted alphabet.
     */
    static String presence(PresenceEvent e, boolean typed, boolean named) {
        return "{" + (typed ? "\"type\":\"presence\"," : "") + (named ? "\"event\":\"" + e.kind().word() + "\"," : "")
                + "\"channel\":\"" + e.channel() + "\",\"client\":\"" + e.client() + "\"}";
    }

    /** {@code {"id":"..","client":"a"}}: a publish acknowledgement. */
    static String published(Message m) {
        return "{\"id\":\"" + m.id() + "\",\"" + m.topic().kind().word() + "\":\"" + m.topic().name() + "\"}";
    }

    static byte[] error(String reason) {
        return object(Map.of("error", reason));
    }

    static byte[] wsError(String reason) {
        return object(Map.of("type", "error", "reason", reason));
    }

    /**
     * A text body as one JSON string value, escaped as {@link #MAPPER} would write it, without the
     * serializer, generator and buffers a {@code writeValueAsBytes} call makes for each publish.
     */
    static byte[] jsonString(String text) {
        byte[] escaped = JsonStringEncoder.getInstance().quoteAsUTF8(text);
        byte[] json = new byte[escaped.length + 2];
        json[0] = '"';
        System.arraycopy(escaped, 0, json, 1, escaped.length);
        json[json.length - 1] = '"';
        return json;
    }

    private static void writeTopic(ByteBuf out, Topic topic) {
        out.writeCharSequence("\",\"", StandardCharsets.US_ASCII);
        out.writeCharSequence(topic.kind().word(), StandardCharsets.US_ASCII);
        out.writeCharSequence("\":\"", StandardCharsets.US_ASCII);
        out.writeCharSequence(topic.name(), StandardCharsets.US_ASCII);
        out.writeByte('"');
    }

    private static byte[] object(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a string or map of strings always serialises", e);
        }
    }
}
