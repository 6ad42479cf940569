/**
 * The edge: sockets, HTTP and the three push transports, as thin adapters over the
 * {@link dev.halley.hub.Hub}. {@link dev.halley.edge.HalleyServer} starts one Netty event loop per
 * core (native epoll where the kernel has it) and, by default, one {@code SO_REUSEPORT} listening
 * socket per loop so the kernel spreads accepts and no accept queue is shared; a single-acceptor
 * mode is kept for comparison. Each connection's pipeline is the HTTP codec followed by a
 * {@link dev.halley.edge.RequestRouter}, which answers publish and status requests and hands
 * subscriptions to long-poll, Server-Sent Events or WebSocket according to the request's headers.
 * A stream that takes a connection over keeps only what it writes with (an SSE stream drops the
 * whole HTTP codec and writes ready chunks), receives deliveries from other loops through its
 * loop's {@link dev.halley.edge.LoopOutbox}, flushed once per turn, and beats on its loop's
 * {@link dev.halley.edge.HeartbeatWheel}. MegaComet's worker ports and manager protocol are served
 * here too.
 */
package dev.halley.edge;
