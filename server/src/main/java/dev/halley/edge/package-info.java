/**
 * The edge: sockets and listeners. {@link dev.halley.edge.HalleyServer} starts one Netty event
 * loop per core (native epoll where the kernel has it), the hub and the broker, and binds the
 * listeners: by default one {@code SO_REUSEPORT} socket per loop so the kernel spreads accepts and
 * no accept queue is shared ({@link dev.halley.edge.AcceptMode#SINGLE} keeps one acceptor for
 * comparison), after proving the port unused so a second node cannot silently join it. Each HTTP
 * connection's pipeline ({@link dev.halley.edge.HttpInitializer}) is the connection gate (total and
 * per-address limits), TLS when configured, the HTTP codec and the request-head timeout, followed by
 * the transports' handlers. With {@code --lean-accept} (plain HTTP/1.1 open to all) each loop's
 * {@link dev.halley.edge.LeanListener} accepts on its own socket without making a Netty channel,
 * reads the head with {@link dev.halley.edge.SubscribeHead} under the same limits and a head
 * timeout on the loop's tick wheel, holds a plain SSE subscribe at once and hands every other
 * connection, with the bytes read, to a Netty channel built by the same initializer. The MegaComet
 * worker and manager ports are bound here too. Draining
 * (SIGTERM, {@code POST /admin/drain}) stops the listeners, asks every connection to finish and
 * closes the node within its timeout. The edge reaches the transports only through
 * {@link dev.halley.transport.Node}, {@link dev.halley.transport.HttpPipeline} and
 * {@link dev.halley.transport.MegaCometManagerPort}; {@link dev.halley.edge.ServerOptions} is the
 * node's whole configuration.
 */
package dev.halley.edge;
