package dev.halley.doctor;

import java.util.Objects;

/**
 * What the operator wants to reach.
 *
 * @param connections concurrent connections in all, 1 to 100,000,000
 * @param serverProcesses Halley processes sharing them, 1 to 10,000
 * @param perProcessFdCap open files a process may have; 0 means this machine's hard limit
 * @param clientsOnThisHost whether the clients run on this machine too (a loopback test), so
 *        their sockets, ports and memory count here as well
 * @param transport what the connections are, which sets a node's heap per connection
 */
record Target(long connections, int serverProcesses, long perProcessFdCap, boolean clientsOnThisHost,
              ConnectionCosts.Transport transport) {

    Target {
        Objects.requireNonNull(transport, "transport");
        if (connections < 1 || connections > 100_000_000) {
            throw new IllegalArgumentException("--connections must be between 1 and 100000000, got " + connections);
        }
        if (serverProcesses < 1 || serverProcesses > 10_000) {
            throw new IllegalArgumentException("--server-processes must be between 1 and 10000, got " + serverProcesses);
        }
        if (perProcessFdCap != 0 && perProcessFdCap <= ConnectionCosts.RESERVED_FDS) {
            throw new IllegalArgumentException("--per-process-fd-cap must be 0 (auto) or more than "
                    + ConnectionCosts.RESERVED_FDS + ", got " + perProcessFdCap);
        }
    }
}
