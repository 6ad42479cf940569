package dev.halley.transport.mercure;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * Verifies Mercure JWTs (HS256) and reads what they grant, from either form the drafts define:
 * the {@code mercure} claim ({@code {"publish":[selectors],"subscribe":[selectors]}}, selectors
 * read as URI templates) or RFC 9396 {@code authorization_details} entries of type
 * {@code https://mercure.rocks/authorization-detail} with {@code actions} and {@code topics}
 * matchers ({@code match}, {@code match_type} exact or urlpattern).
 */
public final class MercureTokens {

    static final String DETAIL_TYPE = "https://mercure.rocks/authorization-detail";

    /** A token that cannot be used: the message is the 401 answer's reason. */
    public static final class Rejected extends Exception {
        private static final long serialVersionUID = 1L;

        Rejected(String reason) {
            super(reason, null, false, false);
        }
    }

    private final MACVerifier verifier;

    /** @param key the HS256 secret, at least 32 bytes */
    public MercureTokens(String key) {
        try {
            this.verifier = new MACVerifier(key.getBytes(StandardCharsets.UTF_8));
        } catch (JOSEException e) {
            throw new IllegalArgumentException("the Mercure JWT key cannot key HS256 (at least 32 bytes): " + e.getMessage(), e);
        }
    }

    /** Verifies {@code token} at {@code nowMillis}. */
    public MercureGrant verify(String token, long nowMillis) throws Rejected {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm())) {
                throw new Rejected("the token must be signed with HS256");
            }
            if (!jwt.verify(verifier)) {
                throw new Rejected("the token's signature is not valid");
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            Date exp = claims.getExpirationTime();
            if (exp != null && exp.getTime() <= nowMillis) {
                throw new Rejected("the token has expired");
            }
            Date nbf = claims.getNotBeforeTime();
            if (nbf != null && nbf.getTime() > nowMillis) {
                throw new Rejected("the token is not valid yet");
            }
            List<TopicSelector> publish = new ArrayList<>();
            List<TopicSelector> subscribe = new ArrayList<>();
            readMercureClaim(claims.getClaim("mercure"), publish, subscribe);
            readAuthorizationDetails(claims.getClaim("authorization_details"), publish, subscribe);
            return new MercureGrant(publish, subscribe, exp == null ? 0 : exp.getTime());
        } catch (ParseException e) {
            throw new Rejected("the token is not a valid JWT");
        } catch (JOSEException e) {
            throw new Rejected("the token cannot be verified");
        } catch (IllegalArgumentException e) {
            throw new Rejected("the token's selectors are not valid: " + e.getMessage());
        }
    }

    private static void readMercureClaim(Object claim, List<TopicSelector> publish, List<TopicSelector> subscribe) throws Rejected {
        if (claim == null) {
            return;
        }
        if (!(claim instanceof Map<?, ?> mercure)) {
            throw new Rejected("the mercure claim must be an object");
        }
        for (String s : strings(mercure.get("publish"), "mercure.publish")) {
            publish.add(TopicSelector.topicParameter(s));
        }
        for (String s : strings(mercure.get("subscribe"), "mercure.subscribe")) {
            subscribe.add(TopicSelector.topicParameter(s));
        }
    }

    private static void readAuthorizationDetails(Object claim, List<TopicSelector> publish, List<TopicSelector> subscribe)
            throws Rejected {
        if (claim == null) {
            return;
        }
        if (!(claim instanceof List<?> details)) {
            throw new Rejected("authorization_details must be an array");
        }
        for (Object d : details) {
            if (!(d instanceof Map<?, ?> detail)) {
                throw new Rejected("an authorization detail must be an object");
            }
            if (!DETAIL_TYPE.equals(detail.get("type"))) {
                continue;
            }
            List<String> actions = strings(detail.get("actions"), "actions");
            List<TopicSelector> matchers = matchers(detail.get("topics"));
            if (actions.contains("publish")) {
                publish.addAll(matchers);
            }
            if (actions.contains("subscribe")) {
                subscribe.addAll(matchers);
            }
        }
    }

    private static List<TopicSelector> matchers(Object topics) throws Rejected {
        if (!(topics instanceof List<?> list)) {
            throw new Rejected("an authorization detail's topics must be an array");
        }
        List<TopicSelector> out = new ArrayList<>();
        for (Object t : list) {
            if (!(t instanceof Map<?, ?> m) || !(m.get("match") instanceof String match)) {
                throw new Rejected("a topic matcher is an object with a match string");
            }
            Object type = m.get("match_type");
            if (type == null || "exact".equals(type)) {
                out.add(TopicSelector.exact(match));
            } else if ("urlpattern".equals(type)) {
                out.add(TopicSelector.urlPattern(match));
            } else {
                throw new Rejected("match_type must be exact or urlpattern, got " + type);
            }
        }
        return out;
    }

    private static List<String> strings(Object value, String what) throws Rejected {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw new Rejected(what + " must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof String s)) {
                throw new Rejected(what + " must be an array of strings");
            }
            out.add(s);
        }
        return out;
    }
}
