package dev.halley.auth;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.halley.message.Topic;
import java.text.ParseException;
import java.util.List;
import java.util.Set;

/**
 * Subscriber tokens: HS256 JWTs ({@link Hs256Verifier}) whose {@code sub} is the client id the bearer may read and whose
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

    private final Hs256Verifier verifier;

    public SubscriberTokens(String secret) {
        this.verifier = new Hs256Verifier(secret, "the subscriber secret", Hs256Verifier.TimeClaims.EXP_REQUIRED);
    }

    /** Verifies {@code token} at {@code nowMillis}; the exception's message is the 401 reason. */
    public Grant verify(String token, long nowMillis) throws TokenRejected {
        if (token == null || token.isEmpty()) {
            throw new TokenRejected("subscribing needs a token: ?token=<jwt> or Authorization: Bearer <jwt>");
        }
        JWTClaimsSet claims = verifier.verify(token, nowMillis);
        try {
            List<String> channels = claims.getStringListClaim("channels");
            return new Grant(claims.getSubject(), channels == null ? Set.of() : Set.copyOf(channels));
        } catch (ParseException e) {
            throw new TokenRejected("the token is not a valid JWT");
        }
    }
}
