package dev.halley.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halley.edge.ServerOptions;
import dev.halley.testing.TestServer;
import dev.halley.testing.WsClient;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * WebSocket streams once they have left Netty for a {@link HeldSocket}: the client's frames as raw
 * bytes (fragmented, interleaved with pings, cut anywhere, several in one write) read by
 * {@link ClientFrameReader}, and the protocol errors that close the connection.
 */
class HeldWebSocketTest {

    private static final String SUBSCRIBE_SPORT = "{\"op\":\"subscribe\",\"channel\":\"sport\"}";

    @Test
    void webSocketsLeaveNettyAndStillCarryMessagesAndCountTheirClose() {
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(2))) {
            List<WsClient> streams = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    streams.add(WsClient.open(s.port(), "/sub/channel/held"));
                }
                s.awaitSubscriptions(4);
                s.awaitStatus("4 held", st -> st.at("/connections/held").asInt() == 4);
                String id = s.publish("channel/held", "to held sockets");
                for (WsClient ws : streams) {
                    assertThat(ws.next().get("id").asText()).isEqualTo(id);
                }
                streams.remove(0).close();
                s.awaitStatus("3 held, 3 WebSockets", st -> st.at("/connections/held").asInt() == 3
                        && st.at("/connections/byTransport/websocket").asInt() == 3
                        && st.get("subscriptions").asInt() == 3);
            } finally {
                streams.forEach(WsClient::close);
            }
            s.awaitStatus("none held", st -> st.at("/connections/held").asInt() == 0);
        }
    }

    @Test
    void aPingIsAnsweredWithAPongCarryingItsPayload() throws Exception {
        try (TestServer s = TestServer.start(); RawWebSocket ws = heldSocket(s, "/sub/channel/news")) {
            ws.send(RawWebSocket.PING, true, "are you there".getBytes(StandardCharsets.US_ASCII));
            RawWebSocket.Frame pong = ws.next();
            assertThat(pong.opcode()).isEqualTo(RawWebSocket.PONG);
            assertThat(pong.text()).isEqualTo("are you there");
        }
    }

    @Test
    void aCloseFrameIsEchoedAndTheServerEndsTheConnection() throws Exception {
        try (TestServer s = TestServer.start(); RawWebSocket ws = heldSocket(s, "/sub/channel/news")) {
            ws.send(RawWebSocket.CLOSE, true, new byte[] {0x03, (byte) 0xE8, 'b', 'y', 'e'});
            RawWebSocket.Frame close = ws.next();
            assertThat(close.opcode()).isEqualTo(RawWebSocket.CLOSE);
            assertThat(close.closeCode()).isEqualTo(1000);
            assertThat(close.text()).endsWith("bye");
            assertThat(ws.endedByServer()).isTrue();
            s.awaitStatus("nothing held or subscribed", st -> st.at("/connections/held").asInt() == 0
                    && st.get("subscriptions").asInt() == 0);
        }
    }

    @Test
    void aMessageInFragmentsWithAPingBetweenThemIsReadWhole() throws Exception {
        try (TestServer s = TestServer.start(); RawWebSocket ws = heldSocket(s, "/sub/channel/news")) {
            byte[] op = SUBSCRIBE_SPORT.getBytes(StandardCharsets.UTF_8);
            ws.send(RawWebSocket.TEXT, false, slice(op, 0, 10));
            ws.send(RawWebSocket.PING, true, new byte[] {7});
            ws.send(RawWebSocket.CONTINUATION, false, slice(op, 10, 20));
            ws.send(RawWebSocket.CONTINUATION, true, slice(op, 20, op.length));
            assertThat(ws.next().opcode()).as("the ping between fragments is answered at once").isEqualTo(RawWebSocket.PONG);
            s.awaitSubscriptions(2);
            s.publish("channel/sport", "goal");
            assertThat(TestServer.json(ws.next().text()).get("data").asText()).isEqualTo("goal");
        }
    }

    @Test
    void framesSentOneByteAtATimeAndSeveralInOneWriteAreAllRead() throws Exception {
        try (TestServer s = TestServer.start(); RawWebSocket ws = heldSocket(s, "/sub/channel/news")) {
            ws.sendByteAtATime(RawWebSocket.frame(RawWebSocket.TEXT, true, SUBSCRIBE_SPORT.getBytes(StandardCharsets.UTF_8)));
            s.awaitSubscriptions(2);
            ByteArrayOutputStream three = new ByteArrayOutputStream();
            three.write(RawWebSocket.frame(RawWebSocket.TEXT, true,
                    "{\"op\":\"subscribe\",\"channel\":\"a\"}".getBytes(StandardCharsets.UTF_8)));
            three.write(RawWebSocket.frame(RawWebSocket.PING, true, new byte[0]));
            three.write(RawWebSocket.frame(RawWebSocket.TEXT, true,
                    "{\"op\":\"subscribe\",\"channel\":\"b\"}".getBytes(StandardCharsets.UTF_8)));
            ws.sendRaw(three.toByteArray());
            assertThat(ws.next().opcode()).isEqualTo(RawWebSocket.PONG);
            s.awaitSubscriptions(4);
            s.publish("channel/b", "to b");
            assertThat(TestServer.json(ws.next().text()).get("data").asText()).isEqualTo("to b");
        }
    }

    @Test
    void aLongFrameOnItsSixteenBitLengthIsRead() throws Exception {
        try (TestServer s = TestServer.start(); RawWebSocket ws = heldSocket(s, "/sub/channel/news")) {
            String padded = "{\"op\":\"subscribe\",\"channel\":\"sport\",\"pad\":\"" + "p".repeat(3000) + "\"}";
            ws.sendByteAtATime(RawWebSocket.frame(RawWebSocket.TEXT, true, padded.getBytes(StandardCharsets.UTF_8)));
            s.awaitSubscriptions(2);
        }
    }

    @Test
    void aBinaryFrameIsAnsweredWithAnErrorFrameAndTheConnectionStays() throws Exception {
        try (TestServer s = TestServer.start(); RawWebSocket ws = heldSocket(s, "/sub/channel/news")) {
            ws.send(RawWebSocket.BINARY, true, new byte[] {1, 2, 3});
            RawWebSocket.Frame error = ws.next();
            assertThat(error.opcode()).isEqualTo(RawWebSocket.TEXT);
            assertThat(TestServer.json(error.text()).get("type").asText()).isEqualTo("error");
            s.publish("channel/news", "still open");
            assertThat(TestServer.json(ws.next().text()).get("data").asText()).isEqualTo("still open");
        }
    }

    @Test
    void aFrameOrAMessagePastTheLimitClosesWith1009() throws Exception {
        Limits small = Limits.DEFAULTS.withSizes(128, 1024, 8192, 4096);
        byte[] sixHundred = "x".repeat(600).getBytes(StandardCharsets.US_ASCII);
        ServerOptions options = ServerOptions.DEFAULTS.withLoops(2).withLimits(small);
        try (TestServer s = TestServer.start(options); RawWebSocket ws = heldSocket(s, "/sub/channel/news")) {
            ws.send(RawWebSocket.TEXT, true, "x".repeat(1100).getBytes(StandardCharsets.US_ASCII));
            assertClosedWith(ws, 1009);
        }
        try (TestServer s = TestServer.start(options); RawWebSocket ws = heldSocket(s, "/sub/channel/news")) {
            ws.send(RawWebSocket.TEXT, false, sixHundred);
            ws.send(RawWebSocket.CONTINUATION, true, sixHundred);
            assertClosedWith(ws, 1009);
        }
    }

    @Test
    void invalidUtf8SplitOverFragmentsClosesWith1007() throws Exception {
        try (TestServer s = TestServer.start(); RawWebSocket ws = heldSocket(s, "/sub/channel/news")) {
            ws.send(RawWebSocket.TEXT, false, new byte[] {'"', (byte) 0xE2, (byte) 0x82});
            ws.send(RawWebSocket.CONTINUATION, true, new byte[] {'x', '"'});
            assertClosedWith(ws, 1007);
        }
    }

    @Test
    void protocolErrorsCloseWith1002() throws Exception {
        byte[] unmasked = {(byte) 0x81, 0x02, 'h', 'i'};
        byte[] reservedBit = RawWebSocket.frame(RawWebSocket.TEXT, true, new byte[] {'x'});
        reservedBit[0] |= 0x40;
        byte[] unknownOpcode = RawWebSocket.frame(0x3, true, new byte[] {'x'});
        byte[] orphanContinuation = RawWebSocket.frame(RawWebSocket.CONTINUATION, true, new byte[] {'x'});
        byte[] fragmentedPing = RawWebSocket.frame(RawWebSocket.PING, false, new byte[] {'x'});
        byte[] oneByteClose = RawWebSocket.frame(RawWebSocket.CLOSE, true, new byte[] {3});
        ByteArrayOutputStream newMessageInsideAnother = new ByteArrayOutputStream();
        newMessageInsideAnother.write(RawWebSocket.frame(RawWebSocket.TEXT, false, new byte[] {'{'}));
        newMessageInsideAnother.write(RawWebSocket.frame(RawWebSocket.TEXT, true, new byte[] {'}'}));
        try (TestServer s = TestServer.start()) {
            for (byte[] bad : List.of(unmasked, reservedBit, unknownOpcode, orphanContinuation, fragmentedPing,
                    oneByteClose, newMessageInsideAnother.toByteArray())) {
                try (RawWebSocket ws = heldSocket(s, "/sub/channel/news")) {
                    ws.sendRaw(bad);
                    assertClosedWith(ws, 1002);
                }
                s.awaitStatus("nothing held", st -> st.at("/connections/held").asInt() == 0);
            }
        }
    }

    /** Opens a raw WebSocket and waits until its stream is subscribed and held outside Netty. */
    private static RawWebSocket heldSocket(TestServer s, String path) throws Exception {
        int before = TestServer.json(s.get("/status").body()).at("/connections/held").asInt();
        RawWebSocket ws = RawWebSocket.open(s.port(), path);
        s.awaitStatus("the WebSocket held", st -> st.at("/connections/held").asInt() == before + 1);
        return ws;
    }

    private static void assertClosedWith(RawWebSocket ws, int code) throws Exception {
        RawWebSocket.Frame close = ws.next();
        assertThat(close.opcode()).isEqualTo(RawWebSocket.CLOSE);
        assertThat(close.closeCode()).isEqualTo(code);
        assertThat(ws.endedByServer()).isTrue();
    }

    private static byte[] slice(byte[] bytes, int from, int to) {
        byte[] part = new byte[to - from];
        System.arraycopy(bytes, from, part, 0, part.length);
        return part;
    }
}
