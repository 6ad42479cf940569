/**
 * Cluster membership over Redis: each node writes a {@link dev.halley.cluster.NodeRecord}
 * (address, connections, message rates) every two seconds with a six-second time to live, so the
 * {@link dev.halley.cluster.ClusterRoster} of live nodes needs no coordinator and forgets a dead
 * node by itself. Messages themselves travel through {@link dev.halley.broker.RedisBroker}; this
 * package tells operators (and {@code /status}, {@code halley cluster status}) who is serving, and
 * keeps presence cluster-wide in Redis with entries of dead nodes ignored by that same roster,
 * rewritten from the node's own state whenever Redis may have lost them.
 */
package dev.halley.cluster;
