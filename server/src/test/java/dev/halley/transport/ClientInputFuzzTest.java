package dev.halley.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.halley.auth.Security;
import dev.halley.broker.BrokerOptions;
import dev.halley.broker.LocalBroker;
import dev.halley.hub.Hub;
import dev.halley.loops.Shards;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import dev.halley.transport.mercure.MercureOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzz targets for everything a client can send: raw HTTP, publish bodies, WebSocket frames, and
 * MegaComet's manager protocol. Run by {@code mvn verify} over the stored inputs (regression
 * mode); {@code JAZZER_FUZZ=1} fuzzes one target for real (see the README).
 *
 * <p>One node serves every input: its hub lives on an embedded loop, and each input gets a fresh
 * embedded connection with the real pipeline. The rule for any input: every answer is a complete
 * 2xx or 4xx, never a 5xx but 505 for another HTTP version, nothing escapes the pipeline, and
 * nothing leaks (paranoid detection). Each target keeps a few meaningful inputs under
 * {@code ClientInputFuzzTestInputs/<target>/} so that regression mode replays more than the empty input.
 * Such an input is laid out as the data provider reads it: bytes are taken from the front, numbers
 * and booleans from the back (the last byte first), so a whole request followed by {@code 58 02}
 * is one chunk of {@link #anyBytesGetAnAnswerOrAClose}, and a body followed by {@code 01 00} is a
 * JSON, non-batch body of {@link #publishBodiesAreStoredOrRefused}.
 */
class ClientInputFuzzTest {

    private static final EmbeddedChannel HUB_LOOP = new EmbeddedChannel();
    private static final Node NODE = node();

    private static Node node() {
        TransportOptions options = new TransportOptions(Limits.DEFAULTS.withSizes(32, 2048, 1024, 512).withStreams(4, 64 * 1024),
                Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofSeconds(15), 1, "reuseport", Http2Options.DEFAULTS,
                MercureOptions.OFF);
        Shards shards = new Shards(List.of(HUB_LOOP.eventLoop()));
        Hub hub = new Hub(shards, new LocalBroker(shards, BrokerOptions.DEFAULTS, Clock.systemUTC()), Limits.DEFAULTS.maxFanoutWaiting());
        hub.start();
        return Node.create(hub, options, Security.OPEN, shards.loops());
    }

    @FuzzTest(maxDuration = "30s")
    void anyBytesGetAnAnswerOrAClose(FuzzedDataProvider data) {
        EmbeddedChannel ch = connection();
        while (data.remainingBytes() > 0 && ch.isActive()) {
            byte[] chunk = data.consumeBytes(1 + data.consumeInt(0, 600));
            ch.writeInbound(Unpooled.wrappedBuffer(chunk));
            settle(ch);
        }
        checkAnswersAndClose(ch);
    }

    @FuzzTest(maxDuration = "30s")
    void publishBodiesAreStoredOrRefused(FuzzedDataProvider data) {
        boolean batch = data.consumeBoolean();
        boolean json = batch || data.consumeBoolean();
        byte[] body = data.consumeRemainingAsBytes();
        String head = "POST " + (batch ? "/pub" : "/pub/channel/fuzz") + " HTTP/1.1\r\nHost: x\r\nContent-Type: "
                + (json ? "application/json" : "text/plain") + "\r\nContent-Length: " + body.length + "\r\n\r\n";
        EmbeddedChannel ch = connection();
        ch.writeInbound(Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.US_ASCII), body));
        settle(ch);
        List<String> answers = checkAnswersAndClose(ch);
        if (body.length <= NODE.limits().maxMessageBytes()) {
            assertThat(answers).hasSize(1);
            assertThat(answers.get(0)).matches("(?s)HTTP/1\\.1 (200|400) .*");
        }
    }

    @FuzzTest(maxDuration = "30s")
    void webSocketFramesAreObeyedOrRefused(byte[] frames) {
        EmbeddedChannel ch = connection();
        ch.writeInbound(Unpooled.copiedBuffer("GET /sub/channel/fuzz HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                StandardCharsets.US_ASCII));
        settle(ch);
        ByteBuf handshake = ch.readOutbound();
        assertThat(handshake.toString(StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 101");
        handshake.release();
        ch.writeInbound(Unpooled.wrappedBuffer(frames));
        settle(ch);
        ch.checkException();
        ch.finishAndReleaseAll();
        settle(HUB_LOOP);
    }

    /**
     * A held WebSocket's frame reader, fed the input in reads of {@code 1 + first byte} bytes: it
     * never throws, reports nothing past the message limit, and reports nothing after a close
     * frame or a failure.
     */
    @FuzzTest(maxDuration = "30s")
    void heldWebSocketFramesAreObeyedOrRefused(byte[] input) {
        if (input.length == 0) {
            return;
        }
        int readBytes = 1 + (input[0] & 0xFF);
        FrameEvents events = new FrameEvents();
        ClientFrameReader reader = new ClientFrameReader(events, 2048);
        for (int at = 1; at < input.length && !events.ended; at += readBytes) {
            ByteBuf read = Unpooled.copiedBuffer(input, at, Math.min(readBytes, input.length - at));
            reader.read(read);
            read.release();
        }
        reader.release();
    }

    /** What a frame reader reported, checked as it arrives. */
    private static final class FrameEvents implements ClientFrameReader.Peer {
        boolean ended;

        @Override
        public void text(String text) {
            assertThat(ended).isFalse();
            assertThat(text.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(2048);
        }

        @Override
        public void binary() {
            assertThat(ended).isFalse();
        }

        @Override
        public void ping(ByteBuf payload) {
            assertThat(ended).isFalse();
            assertThat(payload.readableBytes()).isLessThanOrEqualTo(125);
        }

        @Override
        public void heard() {
            assertThat(ended).isFalse();
        }

        @Override
        public void closing(ByteBuf payload) {
            assertThat(ended).isFalse();
            assertThat(payload.readableBytes()).isNotEqualTo(1).isLessThanOrEqualTo(125);
            ended = true;
        }

        @Override
        public void failed(WebSocketCloseStatus status) {
            assertThat(ended).isFalse();
            ended = true;
        }
    }

    @FuzzTest(maxDuration = "30s")
    void managerProtocolDecodesFramesOrRefusesTheConnection(FuzzedDataProvider data) {
        EmbeddedChannel ch = new EmbeddedChannel(new ManagerProtocolDecoder(16, 64));
        try {
            while (data.remainingBytes() > 0) {
                ch.writeInbound(Unpooled.wrappedBuffer(data.consumeBytes(1 + data.consumeInt(0, 100))));
            }
            ch.finish();
        } catch (DecoderException refused) {
            assertThat(refused.getMessage()).containsAnyOf("a frame starts with byte 2", "longer than", "not valid UTF-8");
        }
        for (Object o = ch.readInbound(); o != null; o = ch.readInbound()) {
            ManagerProtocolDecoder.Publication p = (ManagerProtocolDecoder.Publication) o;
            assertThat(p.clientId().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(16);
            assertThat(p.message().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(64);
            assertThat(p.clientId()).doesNotContain("\u0000");
        }
        ch.finishAndReleaseAll();
    }

    private static EmbeddedChannel connection() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast(HttpPipeline.CODEC, new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(NODE.limits().maxUriBytes())
                .setMaxHeaderSize(NODE.limits().maxHeaderBytes())));
        HttpPipeline.addRequestHandlers(ch.pipeline(), NODE, HttpPipeline.Role.ALL, null);
        return ch;
    }

    private static void settle(EmbeddedChannel ch) {
        HUB_LOOP.runPendingTasks();
        ch.runPendingTasks();
    }

    /** Checks every answer's status line, closes, and returns the status lines seen. */
    private static List<String> checkAnswersAndClose(EmbeddedChannel ch) {
        ch.checkException();
        List<String> statusLines = new ArrayList<>();
        StringBuilder out = new StringBuilder();
        for (Object o = ch.readOutbound(); o != null; o = ch.readOutbound()) {
            ByteBuf buf = (ByteBuf) o;
            out.append(buf.toString(StandardCharsets.ISO_8859_1));
            ReferenceCountUtil.release(buf);
        }
        for (String line : out.toString().split("\r\n")) {
            if (line.startsWith("HTTP/1.1 ")) {
                // 505 is the one 5xx about the request itself: a request line of another HTTP version.
                if (!line.startsWith("HTTP/1.1 505 ")) {
                    assertThat(line).doesNotStartWith("HTTP/1.1 5");
                }
                statusLines.add(line + " ");
            }
        }
        ch.finishAndReleaseAll();
        settle(HUB_LOOP);
        return statusLines;
    }
}
