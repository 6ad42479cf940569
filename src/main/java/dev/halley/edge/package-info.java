/**
 * The edge: sockets, HTTP and the three push transports, as thin adapters over the
 * {@link dev.halley.hub.Hub}. {@link dev.halley.edge.HalleyServer} starts one Netty event loop per
 * core (native epoll where the kernel has it) and, by default, one {@code SO_REUSEPORT} listening
 * socket per loop so the kernel spreads accepts and no accept queue is shared; a single-acceptor
 * mode is kept for comparison. Each connection's pipeline is the HTTP codec followed by a
 * {@link dev.halley.edge.RequestRouter}, which answers publish and status requests and hands
 * subscriptions to long-poll, Server-Sent Events or WebSocket according to the request's headers.
 * MegaComet's worker ports and manager protocol are served here too.
 */
package dev.halley.edge;
