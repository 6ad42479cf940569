package dev.halley.transport.mercure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.halley.auth.TokenRejected;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MercureTokensTest {

    static final String KEY = "a-mercure-test-key-of-at-least-32-bytes";
    private final MercureTokens tokens = new MercureTokens(KEY);

    static String sign(String key, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
            jwt.sign(new MACSigner(key.getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static MercureUpdate update(boolean isPrivate, String... topics) {
        return new MercureUpdate(List.of(topics), "d", isPrivate, null, null, -1);
    }

    @Test
    void mercureClaimGrantsPublishAndPrivateReceiptByTemplate() throws Exception {
        String token = sign(KEY, new JWTClaimsSet.Builder()
                .claim("mercure", Map.of("publish", List.of("https://example.com/books/{id}"),
                        "subscribe", List.of("https://example.com/users/foo/{?topic}")))
                .build());
        MercureGrant grant = tokens.verify(token, System.currentTimeMillis());
        assertThat(grant.mayPublish(update(false, "https://example.com/books/1"))).isTrue();
        assertThat(grant.mayPublish(update(false, "https://example.com/books/1", "https://example.com/other"))).isFalse();
        assertThat(grant.mayReceive(update(true, "https://example.com/books/1",
                "https://example.com/users/foo/?topic=https%3A%2F%2Fexample.com%2Fbooks%2F1"))).isTrue();
        assertThat(grant.mayReceive(update(true, "https://example.com/books/1"))).isFalse();
        assertThat(grant.mayReceive(update(false, "https://example.com/books/1"))).isTrue();
    }

    @Test
    void authorizationDetailsGrantByAction() throws Exception {
        String token = sign(KEY, new JWTClaimsSet.Builder()
                .claim("authorization_details", List.of(
                        Map.of("type", MercureTokens.DETAIL_TYPE, "actions", List.of("subscribe"),
                                "topics", List.of(Map.of("match", "https://example.com/books/:id", "match_type", "urlpattern")))))
                .build());
        MercureGrant grant = tokens.verify(token, System.currentTimeMillis());
        assertThat(grant.mayPublish(update(false, "https://example.com/books/1"))).isFalse();
        assertThat(grant.mayReceive(update(true, "https://example.com/books/1"))).isTrue();
        assertThat(grant.mayReceive(update(true, "https://example.com/authors/1"))).isFalse();
    }

    @Test
    void wrongKeyExpiredAndGarbageAreRejected() {
        String wrongKey = sign("another-key-that-is-at-least-32-bytes", new JWTClaimsSet.Builder()
                .claim("mercure", Map.of("publish", List.of("*"))).build());
        assertThatThrownBy(() -> tokens.verify(wrongKey, 0)).isInstanceOf(TokenRejected.class).hasMessageContaining("signature");
        String expired = sign(KEY, new JWTClaimsSet.Builder().expirationTime(new Date(1000)).build());
        assertThatThrownBy(() -> tokens.verify(expired, 2000)).isInstanceOf(TokenRejected.class).hasMessageContaining("expired");
        assertThatThrownBy(() -> tokens.verify("not.a.jwt", 0)).isInstanceOf(TokenRejected.class);
        String badMatcher = sign(KEY, new JWTClaimsSet.Builder()
                .claim("authorization_details", List.of(Map.of("type", MercureTokens.DETAIL_TYPE, "actions", List.of("publish"),
                        "topics", List.of(Map.of("match", "x", "match_type", "regex")))))
                .build());
        assertThatThrownBy(() -> tokens.verify(badMatcher, 0)).isInstanceOf(TokenRejected.class).hasMessageContaining("match_type");
    }

    @Test
    void storedFormRoundTrips() {
        MercureUpdate u = new MercureUpdate(List.of("a", "b"), "line1\nline2", true, "custom-1", "note", 1500);
        assertThat(MercureUpdate.fromJson(u.toJson())).isEqualTo(u);
        assertThatThrownBy(() -> new MercureUpdate(List.of("a"), "", false, "#x", null, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MercureUpdate(List.of("a"), "", false, null, "a\nb", -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
