package dev.halley.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Date;

/**
 * Verifies JWTs signed with HS256 under one shared secret: the algorithm, the signature and the
 * time claims. What the claims grant is the caller's to read ({@link SubscriberTokens}, and the
 * Mercure hub's tokens). Immutable and safe to share between loops.
 */
public final class Hs256Verifier {

    /** Which time claims a token must carry and which are checked. */
    public enum TimeClaims {
        /** {@code exp} is required and must be in the future; {@code nbf} is not read (subscriber tokens). */
        EXP_REQUIRED,
        /** {@code exp} and {@code nbf} are optional, and checked when present (Mercure's tokens). */
        EXP_AND_NBF_WHEN_PRESENT
    }

    private final MACVerifier verifier;
    private final TimeClaims timeClaims;

    /**
     * @param secret the HS256 key, at least 32 bytes of UTF-8
     * @param keyName what the secret is called in the error when it cannot key HS256 ("the subscriber secret")
     */
    public Hs256Verifier(String secret, String keyName, TimeClaims timeClaims) {
        try {
            this.verifier = new MACVerifier(secret.getBytes(StandardCharsets.UTF_8));
        } catch (JOSEException e) {
            throw new IllegalArgumentException(keyName + " cannot key HS256 (at least 32 bytes): " + e.getMessage(), e);
        }
        this.timeClaims = timeClaims;
    }

    /** Verifies {@code token} at {@code nowMillis} and returns its claims; the exception's message is the 401 reason. */
    public JWTClaimsSet verify(String token, long nowMillis) throws TokenRejected {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm())) {
                throw new TokenRejected("the token must be signed with HS256");
            }
            if (!jwt.verify(verifier)) {
                throw new TokenRejected("the token's signature is not valid");
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            Date exp = claims.getExpirationTime();
            if (exp == null && timeClaims == TimeClaims.EXP_REQUIRED) {
                throw new TokenRejected("the token has no exp");
            }
            if (exp != null && exp.getTime() <= nowMillis) {
                throw new TokenRejected("the token has expired");
            }
            Date nbf = timeClaims == TimeClaims.EXP_AND_NBF_WHEN_PRESENT ? claims.getNotBeforeTime() : null;
            if (nbf != null && nbf.getTime() > nowMillis) {
                throw new TokenRejected("the token is not valid yet");
            }
            return claims;
        } catch (ParseException e) {
            throw new TokenRejected("the token is not a valid JWT");
        } catch (JOSEException e) {
            throw new TokenRejected("the token cannot be verified");
        }
    }
}
