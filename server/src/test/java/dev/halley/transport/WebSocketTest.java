package dev.halley.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halley.edge.ServerOptions;
import dev.halley.testing.TestServer;
import dev.halley.testing.WsClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class WebSocketTest {

    @Test
    void theUrlsSubscriptionDeliversJsonFrames() {
        try (TestServer s = TestServer.start(); WsClient ws = WsClient.open(s.port(), "/sub/channel/news")) {
            s.awaitSubscriptions(1);
            String id = s.publish("channel/news", "hello");
            JsonNode f = ws.next();
            assertThat(f.get("type").asText()).isEqualTo("message");
            assertThat(f.get("id").asText()).isEqualTo(id);
            assertThat(f.get("channel").asText()).isEqualTo("news");
            assertThat(f.get("data").asText()).isEqualTo("hello");
        }
    }

    @Test
    void framesSubscribeAndUnsubscribe() throws Exception {
        try (TestServer s = TestServer.start(); WsClient ws = WsClient.open(s.port(), "/sub?client=alice")) {
            ws.send("{\"op\":\"subscribe\",\"channel\":\"sport\"}");
            s.awaitSubscriptions(2);
            s.publish("channel/sport", "goal");
            s.publish("client/alice", "dm");
            List<String> data = new ArrayList<>();
            data.add(ws.next().get("data").asText());
            data.add(ws.next().get("data").asText());
            assertThat(data).containsExactlyInAnyOrder("goal", "dm");

            ws.send("{\"op\":\"unsubscribe\",\"channel\":\"sport\"}");
            s.awaitStatus("1 subscription after unsubscribing", st -> st.get("subscriptions").asInt() == 1);
            s.publish("channel/sport", "unheard");
            s.publish("client/alice", "dm2");
            assertThat(ws.next().get("data").asText()).isEqualTo("dm2");
            assertThat(ws.quietFor(200)).isTrue();
        }
    }

    @Test
    void resumingWithSinceDeliversExactlyTheRestAndAStaleCursorIsAGap() throws Exception {
        try (TestServer s = TestServer.start()) {
            String first = s.publish("client/bob", "1");
            String second = s.publish("client/bob", "2");
            try (WsClient ws = WsClient.open(s.port(), "/sub/client/bob?since=" + first)) {
                assertThat(ws.next().get("id").asText()).isEqualTo(second);
                assertThat(ws.quietFor(200)).isTrue();
            }
            try (WsClient ws = WsClient.open(s.port(), "/sub?channel=x")) {
                ws.send("{\"op\":\"subscribe\",\"client\":\"bob\",\"since\":\"stale-1\"}");
                JsonNode gap = ws.next();
                assertThat(gap.get("type").asText()).isEqualTo("gap");
                assertThat(gap.get("client").asText()).isEqualTo("bob");
                assertThat(ws.next().get("id").asText()).isEqualTo(first);
                assertThat(ws.next().get("id").asText()).isEqualTo(second);
            }
        }
    }

    @Test
    void badOperationsAreAnsweredWithAnErrorFrameAndTheConnectionStays() {
        try (TestServer s = TestServer.start(); WsClient ws = WsClient.open(s.port(), "/sub/client/carol")) {
            for (String bad : List.of("not json", "[1]", "{\"op\":\"dance\",\"channel\":\"x\"}",
                    "{\"op\":\"subscribe\"}", "{\"op\":\"subscribe\",\"channel\":\"bad name\"}",
                    "{\"op\":\"subscribe\",\"client\":\"carol\"}", "{\"op\":\"unsubscribe\",\"channel\":\"never\"}",
                    "{\"op\":\"subscribe\",\"channel\":\"y\",\"since\":\"nodash\"}")) {
                ws.send(bad);
                JsonNode f = ws.next();
                assertThat(f.get("type").asText()).as(bad).isEqualTo("error");
                assertThat(f.get("reason").asText()).as(bad).isNotBlank();
            }
            s.awaitSubscriptions(1);
            s.publish("client/carol", "still here");
            assertThat(ws.next().get("data").asText()).isEqualTo("still here");
        }
    }

    @Test
    void aFrameLargerThanTheLimitClosesWithTooBig() throws Exception {
        Limits small = Limits.DEFAULTS.withSizes(128, 1024, 8192, 4096);
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(2).withLimits(small));
             WsClient ws = WsClient.open(s.port(), "/sub/client/dan")) {
            ws.send("{\"op\":\"subscribe\",\"channel\":\"" + "x".repeat(2000) + "\"}");
            assertThat(ws.closeCode()).isEqualTo(1009);
        }
    }

    @Test
    void aTextFrameThatIsNotUtf8FailsTheConnectionWith1007() throws Exception {
        try (TestServer s = TestServer.start(); RawWebSocket ws = RawWebSocket.open(s.port(), "/sub/channel/news")) {
            ws.send(RawWebSocket.TEXT, true, utf8AndThen("{\"op\":\"subscribe\",\"channel\":\"", 0xC3, 0x28, '"', '}'));
            RawWebSocket.Frame close = ws.next();
            assertThat(close.opcode()).isEqualTo(RawWebSocket.CLOSE);
            assertThat(close.closeCode()).isEqualTo(1007);
            assertThat(ws.endedByServer()).isTrue();
        }
    }

    @Test
    void invalidUtf8InALaterFragmentFailsTheConnectionWith1007() throws Exception {
        try (TestServer s = TestServer.start(); RawWebSocket ws = RawWebSocket.open(s.port(), "/sub/channel/news")) {
            ws.send(RawWebSocket.TEXT, false, utf8AndThen("{\"op\":\"subscribe\","));
            ws.send(RawWebSocket.CONTINUATION, true, utf8AndThen("\"channel\":\"x\"}", 0xFF));
            RawWebSocket.Frame close = ws.next();
            assertThat(close.opcode()).isEqualTo(RawWebSocket.CLOSE);
            assertThat(close.closeCode()).isEqualTo(1007);
            assertThat(ws.endedByServer()).isTrue();
        }
    }

    @Test
    void aCharacterSplitAcrossTwoFragmentsIsValidTextAndTheConnectionStays() throws Exception {
        try (TestServer s = TestServer.start(); RawWebSocket ws = RawWebSocket.open(s.port(), "/sub/channel/news")) {
            // "é" is C3 A9: the first fragment ends after C3, the continuation starts with A9.
            ws.send(RawWebSocket.TEXT, false, utf8AndThen("{\"op\":\"subscribe\",\"channel\":\"caf", 0xC3));
            ws.send(RawWebSocket.CONTINUATION, true, utf8AndThen("", 0xA9, '"', '}'));
            RawWebSocket.Frame error = ws.next();
            assertThat(error.opcode()).as(error.text()).isEqualTo(RawWebSocket.TEXT);
            assertThat(TestServer.json(error.text()).get("reason").asText()).as("the name café is read whole, and refused").contains("name");
            s.awaitSubscriptions(1);
            s.publish("channel/news", "still open");
            assertThat(TestServer.json(ws.next().text()).get("data").asText()).isEqualTo("still open");
        }
    }

    private static byte[] utf8AndThen(String text, int... bytes) {
        byte[] head = text.getBytes(StandardCharsets.UTF_8);
        byte[] all = Arrays.copyOf(head, head.length + bytes.length);
        for (int i = 0; i < bytes.length; i++) {
            all[head.length + i] = (byte) bytes[i];
        }
        return all;
    }
}
