/**
 * Who may publish, subscribe, and from which browser origin: publish keys compared in constant
 * time with a per-key rate ({@link dev.halley.auth.PublishGuard}), HS256 subscriber tokens naming
 * the client id and channels a bearer may read ({@link dev.halley.auth.SubscriberTokens}), the one
 * HS256 JWT verifier they and the Mercure hub's tokens share ({@link dev.halley.auth.Hs256Verifier}), and the
 * origin policy behind CORS and the WebSocket origin check ({@link dev.halley.auth.OriginPolicy}).
 * {@link dev.halley.auth.Security} is the options record they are built from. Everything here is
 * plain Java over header values and clocks, free of Netty, so the transports decide what to
 * answer and this package only decides yes or no, and why.
 */
package dev.halley.auth;
