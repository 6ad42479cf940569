package dev.halley.auth;

import java.util.List;
import java.util.Set;

/**
 * Which browser origins may use this server: its own origin always, others when listed in
 * {@code --allowed-origins} (or all, with {@code *}). Requests without an {@code Origin} header
 * come from no browser page and are not an origin question.
 */
public final class OriginPolicy {

    private final boolean anyOrigin;
    private final Set<String> allowed;
    private final boolean tls;

    public OriginPolicy(List<String> allowedOrigins, boolean tls) {
        this.anyOrigin = allowedOrigins.contains("*");
        this.allowed = Set.copyOf(allowedOrigins);
        this.tls = tls;
    }

    /**
     * True when the request carries no Origin, or one that is allowed.
     *
     * @param origin the request's {@code Origin} header, or null
     * @param host the request's {@code Host} header, or null
     */
    public boolean allows(String origin, String host) {
        return origin == null || crossOriginAllowed(origin) || sameOrigin(origin, host);
    }

    /** True when {@code origin} may read answers cross-origin (CORS headers are sent for it). */
    public boolean crossOriginAllowed(String origin) {
        return anyOrigin || allowed.contains(origin);
    }

    private boolean sameOrigin(String origin, String host) {
        return host != null && origin.equals((tls ? "https://" : "http://") + host);
    }
}
