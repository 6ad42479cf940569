package dev.halley.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.halley.message.Topic;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Date;
import java.util.List;
import java.util.Set;

/**
 * Subscriber tokens: HS256 JWTs whose {@code sub} is the client id the bearer may read and whose
 * {@code channels} claim lists the channels it may read ({@code "*"}: all), with a required
 * {@code exp}. A client can never read another client's mailbox.
 */
public final class SubscriberTokens {

    /** What a verified token allows. */
    public record Grant(String clientId, Set<String> channels) {

        public boolean covers(Topic topic) {
            if (topic.kind() == Topic.Kind.CLIENT) {
                return topic.name().equals(clientId);
            }
            return channels.contains("*") || channels.contains(topic.name());
        }
    }

    /** A token that cannot be used: answered 401 with the message as its reason. */
    public static final class Rejected extends Exception {
        private static final long serialVersionUID = 1L;

        Rejected(String reason) {
            super(reason, null, false, false);
        }
    }

    private final MACVerifier verifier;

    public SubscriberTokens(String secret) {
        try {
            this.verifier = new MACVerifier(secret.getBytes(StandardCharsets.UTF_8));
        } catch (JOSEException e) {
            throw new IllegalArgumentException("the subscriber secret cannot key HS256: " + e.getMessage(), e);
        }
    }

    /** Verifies {@code token} at {@code nowMillis}; the exception's message is the 401 reason. */
    public Grant verify(String token, long nowMillis) throws Rejected {
        if (token == null || token.isEmpty()) {
            throw new Rejected("subscribing needs a token: ?token=<jwt> or Authorization: Bearer <jwt>");
        }
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
            if (exp == null) {
                throw new Rejected("the token has no exp");
            }
            if (exp.getTime() <= nowMillis) {
                throw new Rejected("the token has expired");
            }
            List<String> channels = claims.getStringListClaim("channels");
            return new Grant(claims.getSubject(), channels == null ? Set.of() : Set.copyOf(channels));
        } catch (ParseException e) {
            throw new Rejected("the token is not a valid JWT");
        } catch (JOSEException e) {
            throw new Rejected("the token cannot be verified");
        }
    }
}
