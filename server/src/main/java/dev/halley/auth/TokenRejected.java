package dev.halley.auth;

/** A token that cannot be used: answered 401 with the message as its reason. */
public final class TokenRejected extends Exception {
    private static final long serialVersionUID = 1L;

    public TokenRejected(String reason) {
        super(reason, null, false, false);
    }
}
