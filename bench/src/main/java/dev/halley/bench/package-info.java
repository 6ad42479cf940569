/**
 * {@code halley bench}: the load generator. A {@link dev.halley.bench.BenchCommand} parses the
 * options into one validated {@link dev.halley.bench.BenchOptions}; a coordinator opens the
 * subscriber connections (in this process, or spread over child JVMs that run the same jar in
 * worker mode and report back over their standard output), publishes at the offered rate with a
 * marker {@code hb:<msgno>:<sendNanos>;} in every payload, finds those markers anywhere in the
 * bytes each subscriber receives (Halley envelopes, raw nchan bodies, WebSocket frames alike), and
 * merges what every process measured — HdrHistograms merged, never averaged — into one report:
 * an ab-style text summary, and optionally JSON and a self-contained HTML page. The client side is
 * Netty (epoll) with one small state object per connection and no thread per connection; a
 * stream subscriber that stands leaves Netty for its descriptor alone, as the server's held
 * streams do. SSE subscribers may instead be HTTP/2 streams ({@code --http2}), many to a connection.
 */
package dev.halley.bench;
