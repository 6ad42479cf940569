package dev.halley.transport.mercure;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.halley.auth.Hs256Verifier;
import dev.halley.auth.TokenRejected;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * Verifies Mercure JWTs (HS256, {@link Hs256Verifier}) and reads what they grant, from either form the drafts define:
 * the {@code mercure} claim ({@code {"publish":[selectors],"subscribe":[selectors]}}, selectors
 * read as URI templates) or RFC 9396 {@code authorization_details} entries of type
 * {@code https://mercure.rocks/authorization-detail} with {@code actions} and {@code topics}
 * matchers ({@code match}, {@code match_type} exact or urlpattern).
 */
public final class MercureTokens {

    static final String DETAIL_TYPE = "https://mercure.rocks/authorization-detail";

    private final Hs256Verifier verifier;

    /** @param key the HS256 secret, at least 32 bytes */
    public MercureTokens(String key) {
        this.verifier = new Hs256Verifier(key, "the Mercure JWT key", Hs256Verifier.TimeClaims.EXP_AND_NBF_WHEN_PRESENT);
    }

    /** Verifies {@code token} at {@code nowMillis}. */
    public MercureGrant verify(String token, long nowMillis) throws TokenRejected {
        JWTClaimsSet claims = verifier.verify(token, nowMillis);
        Date exp = claims.getExpirationTime();
        List<TopicSelector> publish = new ArrayList<>();
        List<TopicSelector> subscribe = new ArrayList<>();
        try {
            readMercureClaim(claims.getClaim("mercure"), publish, subscribe);
            readAuthorizationDetails(claims.getClaim("authorization_details"), publish, subscribe);
        } catch (IllegalArgumentException e) {
            throw new TokenRejected("the token's selectors are not valid: " + e.getMessage());
        }
        return new MercureGrant(publish, subscribe, exp == null ? 0 : exp.getTime());
    }

    private static void readMercureClaim(Object claim, List<TopicSelector> publish, List<TopicSelector> subscribe) throws TokenRejected {
        if (claim == null) {
            return;
        }
        if (!(claim instanceof Map<?, ?> mercure)) {
            throw new TokenRejected("the mercure claim must be an object");
        }
        for (String s : strings(mercure.get("publish"), "mercure.publish")) {
            publish.add(TopicSelector.topicParameter(s));
        }
        for (String s : strings(mercure.get("subscribe"), "mercure.subscribe")) {
            subscribe.add(TopicSelector.topicParameter(s));
        }
    }

    private static void readAuthorizationDetails(Object claim, List<TopicSelector> publish, List<TopicSelector> subscribe)
            throws TokenRejected {
        if (claim == null) {
            return;
        }
        if (!(claim instanceof List<?> details)) {
            throw new TokenRejected("authorization_details must be an array");
        }
        for (Object d : details) {
            if (!(d instanceof Map<?, ?> detail)) {
                throw new TokenRejected("an authorization detail must be an object");
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

    private static List<TopicSelector> matchers(Object topics) throws TokenRejected {
        if (!(topics instanceof List<?> list)) {
            throw new TokenRejected("an authorization detail's topics must be an array");
        }
        List<TopicSelector> out = new ArrayList<>();
        for (Object t : list) {
            if (!(t instanceof Map<?, ?> m) || !(m.get("match") instanceof String match)) {
                throw new TokenRejected("a topic matcher is an object with a match string");
            }
            Object type = m.get("match_type");
            if (type == null || "exact".equals(type)) {
                out.add(TopicSelector.exact(match));
            } else if ("urlpattern".equals(type)) {
                out.add(TopicSelector.urlPattern(match));
            } else {
                throw new TokenRejected("match_type must be exact or urlpattern, got " + type);
            }
        }
        return out;
    }

    private static List<String> strings(Object value, String what) throws TokenRejected {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw new TokenRejected(what + " must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof String s)) {
                throw new TokenRejected(what + " must be an array of strings");
            }
            out.add(s);
        }
        return out;
    }
}
