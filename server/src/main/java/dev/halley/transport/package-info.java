/**
 * The transports: HTTP requests and the push streams, as thin adapters over the
 * {@link dev.halley.hub.Hub}. A {@link dev.halley.transport.RequestRouter} answers publish
 * ({@code /pub}), status, metrics, the dashboard's static files and {@code /admin/drain}, and hands
 * subscriptions to long-poll, Server-Sent Events or WebSocket according to the request's headers,
 * or to MegaComet's {@code /{id}.js}; MegaComet's manager protocol is decoded and published here too.
 * {@link dev.halley.transport.PipelinedRequests} keeps an HTTP/1.1 connection's answers in request
 * order: a pipelined request waits until the answer before it is written.
 * A stream that takes a connection over keeps only what it writes with (an SSE stream drops the
 * whole HTTP codec and writes ready chunks; a plain-text SSE or WebSocket stream on epoll then
 * leaves Netty's channel altogether and goes on over a {@link dev.halley.transport.HeldSocket}, its
 * bare file descriptor registered with the same loop (a WebSocket's client frames read there by a
 * {@link dev.halley.transport.ClientFrameReader}; an SSE subscribe whose head the edge's lean accept
 * path read starts there at once through {@link dev.halley.transport.LeanSubscribe}; a long-poll left
 * waiting does the same, writes its whole answer there and gives the connection back to Netty for
 * the next request through the edge's {@link dev.halley.transport.HttpPipeline.Reentry}), receives deliveries from other loops through its
 * loop's {@link dev.halley.transport.LoopOutbox}, flushed once per turn, and beats on its loop's
 * {@link dev.halley.transport.HeartbeatWheel}. {@link dev.halley.transport.HttpPipeline} owns the
 * names of a connection's handlers and the listener roles; {@link dev.halley.transport.Node} is what
 * every handler of a node shares (hub, options, counters, guards) and the edge's way in. Who may
 * publish or subscribe is decided in {@link dev.halley.auth}; nothing here knows how messages are
 * stored.
 */
package dev.halley.transport;
