package dev.halley.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.halley.edge.ServerOptions;
import dev.halley.testing.MercureJwt;
import dev.halley.testing.SseClient;
import dev.halley.testing.TestServer;
import dev.halley.transport.mercure.MercureOptions;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Mercure hub at /.well-known/mercure, over real sockets, checked against the draft's rules. */
class MercureTest {

    static final String HUB = "/.well-known/mercure";

    static TestServer hub() {
        return TestServer.start(ServerOptions.DEFAULTS.withLoops(2)
                .withMercure(new MercureOptions(MercureJwt.KEY, null, true)));
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** A form body from name, value pairs. */
    static String form(String... pairs) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < pairs.length; i += 2) {
            sb.append(sb.length() > 0 ? "&" : "").append(enc(pairs[i])).append('=').append(enc(pairs[i + 1]));
        }
        return sb.toString();
    }

    static HttpResponse<String> publish(TestServer s, String authorization, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(s.uri(HUB)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return s.send(b.build());
    }

    static String publishOk(TestServer s, String... pairs) {
        HttpResponse<String> r = publish(s, "Bearer " + MercureJwt.publisher("*"), form(pairs));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    static SseClient subscribe(TestServer s, String query, String... headers) {
        SseClient sse = SseClient.open(s.port(), HUB + "?" + query, headers);
        assertThat(sse.status()).isEqualTo(200);
        return sse;
    }

    @Test
    void anUpdateReachesExactAndTemplateSubscribersWithItsIdTypeAndRetry() {
        try (TestServer s = hub();
             SseClient exact = subscribe(s, "topic=" + enc("https://example.com/books/1"));
             SseClient template = subscribe(s, "topic=" + enc("https://example.com/books/{id}"));
             SseClient pattern = subscribe(s, "match_urlpattern=" + enc("https://example.com/books/:id"));
             SseClient other = subscribe(s, "topic=" + enc("https://example.com/authors/{id}"))) {
            assertThat(exact.header("content-type")).startsWith("text/event-stream");
            assertThat(exact.header("link")).isEqualTo("</.well-known/mercure>; rel=\"mercure\"");
            s.awaitSubscriptions(4);
            String id = publishOk(s, "topic", "https://example.com/books/1", "data", "line one\nline two",
                    "id", "rev-1", "type", "book-updated", "retry", "1500");
            assertThat(id).isEqualTo("rev-1");
            for (SseClient c : List.of(exact, template, pattern)) {
                SseClient.Event e = c.next();
                assertThat(e.id()).isEqualTo("rev-1");
                assertThat(e.event()).isEqualTo("book-updated");
                assertThat(e.data()).isEqualTo("line one\nline two");
            }
            // The next update is public and on the other subscriber's topic: it is the first thing it sees.
            publishOk(s, "topic", "https://example.com/authors/7", "data", "a7");
            assertThat(other.next().data()).isEqualTo("a7");
        }
    }

    @Test
    void publishAnswersTheHubIdAsTextAndAnAlternateTopicAlsoMatches() {
        try (TestServer s = hub(); SseClient alt = subscribe(s, "match=alternate")) {
            s.awaitSubscriptions(1);
            HttpResponse<String> r = publish(s, "Bearer " + MercureJwt.publisher("*"), form("topic", "canonical", "topic", "alternate",
                    "data", "x"));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("text/plain"));
            assertThat(r.body()).startsWith("urn:halley:");
            assertThat(alt.next().id()).isEqualTo(r.body());
        }
    }

    @Test
    void theCookieCarriesThePublisherJwtToo() {
        try (TestServer s = hub()) {
            HttpResponse<String> r = s.send(HttpRequest.newBuilder(s.uri(HUB))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Cookie", "mercureAuthorization=" + MercureJwt.publisher("*"))
                    .POST(HttpRequest.BodyPublishers.ofString(form("topic", "t", "data", "d"))).build());
            assertThat(r.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void publishingWithoutAJwtIs401WithABadOneToo() {
        try (TestServer s = hub()) {
            assertThat(publish(s, null, form("topic", "t", "data", "d")).statusCode()).isEqualTo(401);
            String wrongKey = MercureJwt.sign("another-key-that-is-at-least-32-bytes",
                    new JWTClaimsSet.Builder().claim("mercure", Map.of("publish", List.of("*"))).build());
            assertThat(publish(s, "Bearer " + wrongKey, form("topic", "t", "data", "d")).statusCode()).isEqualTo(401);
            assertThat(publish(s, "Bearer not-a-jwt", form("topic", "t", "data", "d")).statusCode()).isEqualTo(401);
        }
    }

    @Test
    void aJwtThatDoesNotCoverEveryTopicIs403() {
        try (TestServer s = hub()) {
            String books = "Bearer " + MercureJwt.publisher("https://example.com/books/{id}");
            assertThat(publish(s, books, form("topic", "https://example.com/books/1")).statusCode()).isEqualTo(200);
            assertThat(publish(s, books, form("topic", "https://example.com/books/1", "topic", "https://example.com/users/1"))
                    .statusCode()).isEqualTo(403);
            String subscribeOnly = "Bearer " + MercureJwt.subscriber("*");
            assertThat(publish(s, subscribeOnly, form("topic", "https://example.com/books/1")).statusCode()).isEqualTo(403);
        }
    }

    @Test
    void badSelectorsAndFormsAre400() {
        try (TestServer s = hub()) {
            assertThat(s.get(HUB + "?topic=" + enc("https://example.com/{id")).statusCode()).isEqualTo(400);
            assertThat(s.get(HUB + "?topic=" + enc("https://example.com/{=x}")).statusCode()).isEqualTo(400);
            assertThat(s.get(HUB).statusCode()).as("no selector").isEqualTo(400);
            assertThat(s.get(HUB + "?match_regex=x").statusCode()).as("unknown matcher type").isEqualTo(400);
            String jwt = "Bearer " + MercureJwt.publisher("*");
            assertThat(publish(s, jwt, form("data", "no topic")).statusCode()).isEqualTo(400);
            assertThat(publish(s, jwt, form("topic", "t", "retry", "soon")).statusCode()).isEqualTo(400);
            assertThat(publish(s, jwt, form("topic", "t", "id", "#reserved")).statusCode()).isEqualTo(400);
            assertThat(publish(s, jwt, form("topic", "t", "type", "two\nlines")).statusCode()).isEqualTo(400);
        }
    }

    @Test
    void aPrivateUpdateReachesOnlySubscribersWhoseJwtCoversOneOfItsTopics() {
        try (TestServer s = hub();
             SseClient anonymous = subscribe(s, "topic=" + enc("https://example.com/books/{id}"));
             SseClient wrongGrant = subscribe(s, "topic=" + enc("https://example.com/books/{id}"),
                     "Authorization: Bearer " + MercureJwt.subscriber("https://example.com/authors/{id}"));
             SseClient granted = subscribe(s, "topic=" + enc("https://example.com/books/{id}"),
                     "Cookie: mercureAuthorization=" + MercureJwt.subscriber("https://example.com/users/foo/{?topic}"))) {
            s.awaitSubscriptions(3);
            publishOk(s, "topic", "https://example.com/books/1",
                    "topic", "https://example.com/users/foo/?topic=" + enc("https://example.com/books/1"),
                    "data", "secret", "private", "on");
            publishOk(s, "topic", "https://example.com/books/2", "data", "public");
            assertThat(granted.next().data()).isEqualTo("secret");
            assertThat(granted.next().data()).isEqualTo("public");
            // One channel keeps updates in order: the public one coming first proves the private one was withheld.
            assertThat(anonymous.next().data()).isEqualTo("public");
            assertThat(wrongGrant.next().data()).isEqualTo("public");
        }
    }

    @Test
    void aSubscriberWithAnInvalidJwtIs401AndAnonymousOnesMayBeRefused() {
        try (TestServer s = hub()) {
            HttpResponse<String> r = s.send(HttpRequest.newBuilder(s.uri(HUB + "?topic=x"))
                    .header("Authorization", "Bearer garbage").GET().build());
            assertThat(r.statusCode()).isEqualTo(401);
        }
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(1)
                .withMercure(new MercureOptions(MercureJwt.KEY, null, false)))) {
            assertThat(s.get(HUB + "?topic=x").statusCode()).isEqualTo(401);
            try (SseClient ok = subscribe(s, "topic=x&authorization=" + MercureJwt.subscriber("x"))) {
                s.awaitSubscriptions(1);
                publishOk(s, "topic", "x", "data", "d", "private", "");
                assertThat(ok.next().data()).isEqualTo("d");
            }
        }
    }

    @Test
    void lastEventIdResumesAfterHubAndPublisherIdsAndEarliestReplaysTheHistory() {
        try (TestServer s = hub()) {
            String first = publishOk(s, "topic", "t", "data", "1");
            publishOk(s, "topic", "t", "data", "2", "id", "mine-2");
            publishOk(s, "topic", "other", "data", "skip");
            publishOk(s, "topic", "t", "data", "3");
            try (SseClient sse = subscribe(s, "topic=t", "Last-Event-ID: " + first)) {
                assertThat(sse.header("last-event-id")).isEqualTo(first);
                assertThat(sse.next(2)).extracting(SseClient.Event::data).containsExactly("2", "3");
            }
            try (SseClient sse = subscribe(s, "topic=t&lastEventID=mine-2")) {
                assertThat(sse.header("last-event-id")).isEqualTo("mine-2");
                assertThat(sse.next().data()).isEqualTo("3");
            }
            try (SseClient sse = subscribe(s, "topic=t&lastEventID=earliest")) {
                assertThat(sse.header("last-event-id")).isEqualTo("earliest");
                assertThat(sse.next(3)).extracting(SseClient.Event::data).containsExactly("1", "2", "3");
            }
            try (SseClient sse = subscribe(s, "topic=t&lastEventID=never-published")) {
                assertThat(sse.header("last-event-id")).as("an unknown id resumes from the earliest kept").isEqualTo("earliest");
                assertThat(sse.next().data()).isEqualTo("1");
            }
            try (SseClient live = subscribe(s, "topic=t")) {
                s.awaitSubscriptions(1);
                publishOk(s, "topic", "t", "data", "4");
                assertThat(live.next().data()).as("no cursor: only what comes after").isEqualTo("4");
            }
        }
    }

    @Test
    void aSubscribersStreamEndsWhenItsJwtExpires() {
        try (TestServer s = hub()) {
            String soon = MercureJwt.sign(MercureJwt.KEY, new JWTClaimsSet.Builder()
                    .expirationTime(new java.util.Date(System.currentTimeMillis() + 1500))
                    .claim("mercure", Map.of("subscribe", List.of("*"))).build());
            try (SseClient sse = subscribe(s, "topic=t", "Authorization: Bearer " + soon)) {
                assertThat(sse.nextComment()).isEqualTo("ok");
                assertThatThrownBy(sse::next).as("the stream ends, no event needed").isInstanceOf(RuntimeException.class)
                        .hasMessageContaining("stream ended");
            }
        }
    }

    @Test
    void theHubIsOffUnlessKeyed() {
        try (TestServer s = TestServer.start()) {
            assertThat(s.get(HUB + "?topic=x").statusCode()).isEqualTo(404);
        }
    }
}
