/**
 * Pusher Channels protocol 7 on Halley's own port: the WebSocket at {@code /app/{key}} that
 * pusher-js, Laravel Echo and the mobile SDKs speak, and the signed HTTP API at
 * {@code /apps/{id}/...} that the official server SDKs call. Every configured
 * {@link dev.halley.pusher.PusherApp} is a namespace of its own: its channels are hub topics named
 * {@code pusher:<app id>:<channel>}, a form no Halley topic name can take, so apps never see each
 * other's events nor Halley's. Events travel through the hub (so they reach every node of a
 * cluster and land in channel history, which {@code cache-} channels read); presence membership
 * and channel occupancy are kept per node. This package uses the hub and Netty, never the broker.
 */
package dev.halley.pusher;
