package dev.halley.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halley.broker.BrokerOptions;
import dev.halley.broker.Retention;
import dev.halley.edge.ServerOptions;
import dev.halley.testing.MutableClock;
import dev.halley.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class LongPollTest {

    @Test
    void aHeldPollIsAnsweredByTheNextMessage() throws Exception {
        try (TestServer s = TestServer.start()) {
            CompletableFuture<HttpResponse<String>> poll = s.http().sendAsync(
                    HttpRequest.newBuilder(s.uri("/sub/client/alice?timeout=20s")).build(), HttpResponse.BodyHandlers.ofString());
            awaitWaiting(s, 1);
            String id = s.publish("client/alice", "hello alice");

            HttpResponse<String> r = poll.get();
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
            JsonNode body = TestServer.json(r.body());
            assertThat(body.get("messages")).hasSize(1);
            assertThat(body.at("/messages/0/id").asText()).isEqualTo(id);
            assertThat(body.at("/messages/0/client").asText()).isEqualTo("alice");
            assertThat(body.at("/messages/0/data").asText()).isEqualTo("hello alice");
            assertThat(body.get("cursor").asText()).isEqualTo(id);
            assertThat(body.get("gap").asBoolean()).isFalse();
        }
    }

    @Test
    void messagesWaitingInTheMailboxAreAnsweredAtOnceAndJsonBodiesStayJson() {
        try (TestServer s = TestServer.start()) {
            s.publish("client/bob", "one");
            assertThat(s.post("/pub/client/bob", "{ \"n\" : [1, 2] }", "application/json").statusCode()).isEqualTo(200);

            JsonNode body = TestServer.json(s.get("/sub/client/bob?timeout=20s").body());
            assertThat(body.get("messages")).hasSize(2);
            assertThat(body.at("/messages/0/data").asText()).isEqualTo("one");
            assertThat(body.at("/messages/1/data").toString()).isEqualTo("{\"n\":[1,2]}");
        }
    }

    @Test
    void aTimeoutAnswersEmptyWithACursorThatMissesNothingPublishedMeanwhile() {
        try (TestServer s = TestServer.start()) {
            JsonNode empty = TestServer.json(s.get("/sub/channel/news?timeout=100ms").body());
            assertThat(empty.get("messages")).isEmpty();
            String cursor = empty.get("cursor").asText();

            s.publish("channel/news", "between polls");
            JsonNode next = TestServer.json(s.get("/sub/channel/news?timeout=5s&since=" + cursor).body());
            assertThat(next.at("/messages/0/data").asText()).isEqualTo("between polls");
        }
    }

    @Test
    void pollingWithTheCursorDeliversEveryMessageExactlyOnceInOrder() {
        try (TestServer s = TestServer.start()) {
            List<String> published = new ArrayList<>();
            for (int i = 0; i < 250; i++) {
                published.add(s.publish("client/carol", "m" + i));
            }
            List<String> received = new ArrayList<>();
            String cursor = null;
            for (int polls = 0; polls < 10 && received.size() < published.size(); polls++) {
                JsonNode body = TestServer.json(s.get("/sub/client/carol?timeout=1s" + (cursor == null ? "" : "&since=" + cursor)).body());
                assertThat(body.get("gap").asBoolean()).isFalse();
                body.get("messages").forEach(m -> received.add(m.get("id").asText()));
                cursor = body.get("cursor").asText();
            }
            assertThat(received).containsExactlyElementsOf(published);
            assertThat(TestServer.json(s.get("/sub/client/carol?timeout=50ms&since=" + cursor).body()).get("messages")).isEmpty();
        }
    }

    @Test
    void aCursorPastExpiredMessagesIsToldOfTheGap() {
        MutableClock clock = new MutableClock(System.currentTimeMillis());
        BrokerOptions broker = new BrokerOptions(new Retention(Duration.ofSeconds(60), 1000),
                BrokerOptions.DEFAULTS.channel(), Duration.ofSeconds(1));
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(2).withBroker(broker), clock)) {
            String seen = s.publish("client/dave", "seen");
            s.publish("client/dave", "missed");
            clock.advance(Duration.ofSeconds(61));
            String kept = s.publish("client/dave", "kept");

            JsonNode body = TestServer.json(s.get("/sub/client/dave?timeout=1s&since=" + seen).body());
            assertThat(body.get("gap").asBoolean()).isTrue();
            assertThat(body.get("messages")).extracting(m -> m.get("id").asText()).containsExactly(kept);
        }
    }

    @Test
    void aCursorFromBeforeARestartIsAGap() {
        String cursor;
        try (TestServer s = TestServer.start()) {
            cursor = s.publish("client/erin", "before restart");
        }
        try (TestServer s = TestServer.start()) {
            JsonNode body = TestServer.json(s.get("/sub/client/erin?timeout=100ms&since=" + cursor).body());
            assertThat(body.get("gap").asBoolean()).isTrue();
            assertThat(body.get("cursor").asText()).doesNotStartWith(cursor.substring(0, cursor.indexOf('-') + 1));
        }
    }

    @Test
    void megacometJavascriptDeliversOnceAndRemoves() {
        try (TestServer s = TestServer.start()) {
            s.publish("client/frank", "to frank");
            HttpResponse<String> first = s.get("/frank.js?callback=comet.deliver&timeout=1s");
            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(first.headers().firstValue("content-type")).hasValue("application/javascript");
            assertThat(first.body()).startsWith("comet.deliver({").endsWith("});").contains("\"data\":\"to frank\"");

            HttpResponse<String> second = s.get("/frank.js?timeout=100ms");
            assertThat(TestServer.json(second.body()).get("messages")).as("delivered once, then removed").isEmpty();
        }
    }

    @Test
    void aMegacometPollWaitsForTheNextMessage() throws Exception {
        try (TestServer s = TestServer.start()) {
            CompletableFuture<HttpResponse<String>> poll = s.http().sendAsync(
                    HttpRequest.newBuilder(s.uri("/gina.js")).build(), HttpResponse.BodyHandlers.ofString());
            awaitWaiting(s, 1);
            s.publish("client/gina", "late");
            assertThat(TestServer.json(poll.get().body()).at("/messages/0/data").asText()).isEqualTo("late");
        }
    }

    @Test
    void unsafeCallbacksAreRefused() {
        try (TestServer s = TestServer.start()) {
            for (String bad : List.of("alert(1)", "a;b", "x%3Cscript%3E", "1abc", "a..b", "a".repeat(65))) {
                HttpResponse<String> r = s.get("/henry.js?callback=" + bad);
                assertThat(r.statusCode()).as(bad).isEqualTo(400);
                assertThat(r.body()).contains("callback must be");
            }
        }
    }

    /** Waits until the server counts {@code n} held long-polls, so a publish cannot race the subscribe. */
    static void awaitWaiting(TestServer s, int n) {
        s.awaitStatus(n + " held long-polls", st -> st.at("/connections/byTransport/longpoll").asInt()
                + st.at("/connections/byTransport/jsonp").asInt() >= n);
    }
}
