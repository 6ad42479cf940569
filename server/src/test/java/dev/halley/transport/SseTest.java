package dev.halley.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halley.edge.ServerOptions;
import dev.halley.testing.SseClient;
import dev.halley.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseTest {

    @Test
    void aChannelStreamCarriesEachMessageWithItsIdAsTheEventId() {
        try (TestServer s = TestServer.start(); SseClient sse = SseClient.open(s.port(), "/sub/channel/news")) {
            assertThat(sse.status()).isEqualTo(200);
            assertThat(sse.header("content-type")).startsWith("text/event-stream");
            s.awaitSubscriptions(1);
            String id = s.publish("channel/news", "line one\nline two");

            SseClient.Event e = sse.next();
            assertThat(e.id()).isEqualTo(id);
            JsonNode env = TestServer.json(e.data());
            assertThat(env.get("channel").asText()).isEqualTo("news");
            assertThat(env.get("data").asText()).as("a line break stays inside the JSON string").isEqualTo("line one\nline two");
        }
    }

    @Test
    void lastEventIdResumesExactlyAfterTheLastSeenMessage() {
        try (TestServer s = TestServer.start()) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                ids.add(s.publish("client/alice", "m" + i));
            }
            try (SseClient sse = SseClient.open(s.port(), "/sub/client/alice", "Last-Event-ID: " + ids.get(1))) {
                assertThat(sse.next(3)).extracting(SseClient.Event::id).containsExactlyElementsOf(ids.subList(2, 5));
                assertThat(sse.quietFor(200)).isTrue();
            }
            try (SseClient sse = SseClient.open(s.port(), "/sub/client/alice?since=" + ids.get(3))) {
                assertThat(sse.next().id()).isEqualTo(ids.get(4));
            }
        }
    }

    @Test
    void severalSubscriptionsShareOneStreamAndItsCompoundIdResumesEachExactlyOnce() {
        try (TestServer s = TestServer.start()) {
            String lastId;
            try (SseClient sse = SseClient.open(s.port(), "/sub?client=bob&channel=news&channel=sport")) {
                s.awaitSubscriptions(3);
                s.publish("client/bob", "b1");
                s.publish("channel/news", "n1");
                s.publish("channel/sport", "s1");
                List<SseClient.Event> events = sse.next(3);
                assertThat(events).extracting(e -> TestServer.json(e.data()).get("data").asText())
                        .containsExactlyInAnyOrder("b1", "n1", "s1");
                lastId = events.get(2).id();
                assertThat(lastId).contains("client:bob=").contains("channel:news=").contains("channel:sport=");
            }
            s.publish("client/bob", "b2");
            s.publish("channel/sport", "s2");
            try (SseClient sse = SseClient.open(s.port(), "/sub?client=bob&channel=news&channel=sport", "Last-Event-ID: " + lastId)) {
                List<SseClient.Event> events = sse.next(2);
                assertThat(events).extracting(e -> TestServer.json(e.data()).get("data").asText())
                        .containsExactlyInAnyOrder("b2", "s2");
                assertThat(sse.quietFor(200)).as("nothing delivered twice").isTrue();
            }
        }
    }

    @Test
    void aStaleCursorGetsAGapEventBeforeWhatIsStillHeld() {
        try (TestServer s = TestServer.start()) {
            String kept = s.publish("client/carol", "kept");
            try (SseClient sse = SseClient.open(s.port(), "/sub/client/carol?since=oldepoch-5")) {
                SseClient.Event gap = sse.next();
                assertThat(gap.event()).isEqualTo("gap");
                assertThat(TestServer.json(gap.data()).get("client").asText()).isEqualTo("carol");
                assertThat(sse.next().id()).isEqualTo(kept);
            }
        }
    }

    @Test
    void aSubscriberThatStopsReadingIsCutOffWithoutHoldingUpOthers() throws Exception {
        Limits small = Limits.DEFAULTS.withMaxConnections(1000, 1000).withStreams(32, 4096);
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(2).withLimits(small));
             SseClient stalled = SseClient.open(s.port(), "/sub/channel/flood");
             SseClient reader = SseClient.open(s.port(), "/sub/channel/flood")) {
            stalled.setReceiveBuffer();
            s.awaitSubscriptions(2);
            s.awaitStatus("both streams held outside Netty", st -> st.at("/connections/held").asInt() == 2);
            String payload = "x".repeat(32_000);
            int published = 0;
            int read = 0;
            while (published < 2000 && TestServer.json(s.get("/status").body()).at("/connections/rejected/slow_consumer").asInt() == 0) {
                s.publish("channel/flood", payload);
                published++;
                reader.next();
                read++;
            }
            assertThat(TestServer.json(s.get("/status").body()).at("/connections/rejected/slow_consumer").asInt()).isEqualTo(1);
            s.publish("channel/flood", "after");
            assertThat(TestServer.json(reader.next().data()).get("data").asText()).isEqualTo("after");
            assertThat(read).isEqualTo(published);
        }
    }

    @Test
    void aSubscriberThatFallsBehindAndCatchesUpGetsEveryMessageIntactAsDoesItsNeighbour() throws Exception {
        // One loop: both streams are sent the loop's one shared encoding of each message, and the
        // stalled one's partial writes must not move it under the other. The stalled one subscribes
        // last, so that a fan-out, which walks the subscribers from the newest, writes to it first.
        // 8 MiB to send is more than the kernel's send buffer (tcp_wmem's 4 MiB at most) takes.
        Limits roomy = Limits.DEFAULTS.withStreams(32, 16 * 1024 * 1024);
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(1).withLimits(roomy));
             SseClient reader = SseClient.open(s.port(), "/sub/channel/behind")) {
            s.awaitSubscriptions(1);
            SseClient stalled = SseClient.open(s.port(), "/sub/channel/behind");
            stalled.setReceiveBuffer();
            s.awaitSubscriptions(2);
            s.awaitStatus("both streams held outside Netty", st -> st.at("/connections/held").asInt() == 2);
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < 160; i++) {
                String payload = i + ":" + String.valueOf((char) ('a' + i % 26)).repeat(50_000);
                sent.add(payload);
                s.publish("channel/behind", payload);
                assertThat(TestServer.json(reader.next().data()).get("data").asText()).isEqualTo(payload);
            }
            for (String payload : sent) {
                assertThat(TestServer.json(stalled.next().data()).get("data").asText()).isEqualTo(payload);
            }
            stalled.close();
            assertThat(TestServer.json(s.get("/status").body()).at("/connections/rejected/slow_consumer").asInt()).isZero();
        }
    }

    @Test
    void streamsLeaveNettyOnceOpenedAndStillCarryMessagesAndCountTheirClose() {
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(2))) {
            List<SseClient> streams = new ArrayList<>();
            try {
                for (int i = 0; i < 6; i++) {
                    streams.add(SseClient.open(s.port(), "/sub/channel/held"));
                }
                s.awaitSubscriptions(6);
                s.awaitStatus("6 streams held", st -> st.at("/connections/held").asInt() == 6);
                String id = s.publish("channel/held", "to held sockets");
                for (SseClient sse : streams) {
                    assertThat(sse.next().id()).isEqualTo(id);
                }
                int open = TestServer.json(s.get("/status").body()).at("/connections/total").asInt();
                streams.remove(0).close();
                streams.remove(0).close();
                s.awaitStatus("4 held, 2 fewer open, 4 SSE", st -> st.at("/connections/held").asInt() == 4
                        && st.at("/connections/total").asInt() == open - 2
                        && st.at("/connections/byTransport/sse").asInt() == 4
                        && st.get("subscriptions").asInt() == 4);
                String next = s.publish("channel/held", "after two left");
                for (SseClient sse : streams) {
                    assertThat(sse.next().id()).isEqualTo(next);
                }
            } finally {
                streams.forEach(SseClient::close);
            }
            s.awaitStatus("none held", st -> st.at("/connections/held").asInt() == 0);
        }
    }

    @Test
    void idleStreamsGetHeartbeatComments() {
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(2)
                .withTimeouts(Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofMillis(100)));
             SseClient sse = SseClient.open(s.port(), "/sub/channel/quiet")) {
            assertThat(sse.nextComment()).isEqualTo("ok");
            assertThat(sse.nextComment()).isEqualTo("hb");
        }
    }

    @Test
    void streamsThatStayKeepTheirHeartbeatWhenOthersOnTheirLoopLeave() {
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(1)
                .withTimeouts(Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofSeconds(1)))) {
            List<SseClient> streams = new ArrayList<>();
            try {
                for (int i = 0; i < 24; i++) {
                    streams.add(SseClient.open(s.port(), "/sub/channel/quiet" + i));
                }
                s.awaitSubscriptions(24);
                // With a 1 s period the streams share one or two wheel slots, and leaving swaps the
                // slot's last stream into the hole: close every other one.
                for (int i = 0; i < 24; i += 2) {
                    streams.get(i).close();
                }
                s.awaitStatus("12 SSE streams", st -> st.at("/connections/byTransport/sse").asInt() == 12);
                for (int i = 1; i < 24; i += 2) {
                    SseClient stayed = streams.get(i);
                    assertThat(stayed.nextComment()).isEqualTo("ok");
                    assertThat(stayed.nextComment()).as("stream %d still beats", i).isEqualTo("hb");
                    assertThat(stayed.nextComment()).as("stream %d still beats", i).isEqualTo("hb");
                }
            } finally {
                streams.forEach(SseClient::close);
            }
        }
    }
}
