package dev.halley.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Mercure JWTs for tests: HS256, with a {@code mercure} claim of publish and subscribe selectors. */
public final class MercureJwt {

    public static final String KEY = "a-mercure-test-key-of-at-least-32-bytes";

    private MercureJwt() {
    }

    public static String publisher(String... selectors) {
        return sign(KEY, new JWTClaimsSet.Builder().claim("mercure", Map.of("publish", List.of(selectors))).build());
    }

    public static String subscriber(String... selectors) {
        return sign(KEY, new JWTClaimsSet.Builder().claim("mercure", Map.of("subscribe", List.of(selectors))).build());
    }

    public static String sign(String key, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
            jwt.sign(new MACSigner(key.getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException("HS256 signing with a 32-byte key cannot fail", e);
        }
    }
}
