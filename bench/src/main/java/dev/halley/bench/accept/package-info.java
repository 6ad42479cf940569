/**
 * The accept() experiment of the performance issue, after Brecht, Pariag and Gammo's "accept()able
 * strategies" and the CITI "thundering herd" report: one {@link dev.halley.bench.accept.AcceptServer}
 * process per run accepts and closes connections with one {@link dev.halley.bench.accept.Strategy}
 * (N selectors sharing one listening socket, N threads blocked in accept, one SO_REUSEPORT socket per
 * loop, one acceptor handing off), a separate {@link dev.halley.bench.accept.ConnectStorm} process
 * connects as fast as it can over many source addresses, and {@link dev.halley.bench.accept.AcceptExperiment}
 * runs every strategy and loop count in turn and prints one table: connections/s, context switches,
 * wake-ups and CPU per accept, read from {@code /proc/self/task}. It shares nothing with the server
 * and depends only on the JDK and Netty.
 */
package dev.halley.bench.accept;
