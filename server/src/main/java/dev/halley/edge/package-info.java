/**
 * The edge: sockets and listeners. {@link dev.halley.edge.HalleyServer} starts one Netty event
 * loop per core (native epoll where the kernel has it), the hub and the broker, and binds the
 * listeners: by default one {@code SO_REUSEPORT} socket per loop so the kernel spreads accepts and
 * no accept queue is shared ({@link dev.halley.edge.AcceptMode#SINGLE} keeps one acceptor for
 * comparison), after proving the port unused so a second node cannot silently join it. Each HTTP
 * connection's pipeline ({@link dev.halley.edge.HttpInitializer}) is the connection gate (total and
 * per-address limits), TLS when configured, the HTTP codec and the request-head timeout, followed by
 * the transports' handlers; the MegaComet worker and manager ports are bound here too. Draining
 * (SIGTERM, {@code POST /admin/drain}) stops the listeners, asks every connection to finish and
 * closes the node within its timeout. The edge reaches the transports only through
 * {@link dev.halley.transport.Node}, {@link dev.halley.transport.HttpPipeline} and
 * {@link dev.halley.transport.MegaCometManagerPort}; {@link dev.halley.edge.ServerOptions} is the
 * node's whole configuration.
 */
package dev.halley.edge;
