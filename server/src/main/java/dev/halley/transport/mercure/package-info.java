/**
 * The Mercure protocol's own rules, free of Netty: topic selectors (exact strings, RFC 6570 URI
 * templates, URL patterns), the claims of publisher and subscriber JWTs, and an update as Halley
 * stores it. The endpoint that speaks it over HTTP lives in {@code dev.halley.transport}.
 */
package dev.halley.transport.mercure;
