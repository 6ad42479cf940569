package dev.halley.doctor;

/**
 * Measured memory costs, the only figures the doctor's estimates rest on, all from
 * {@code docs/PERFORMANCE.md}; change them only with a new measurement there, and name its section.
 *
 * <p>Measured on this project's reference machine kind (Linux x86-64, 2 cores, 24 GiB, Netty 4.2
 * native epoll):
 * <ul>
 *   <li>kernel and processes: section "1,000,000 concurrent SSE subscribers on this box"
 *       ({@code bench/million --hold 300s} on a fresh clone of 964bf19, 2026-12-03: 53 nodes x
 *       18,868 idle SSE subscribers + 53 benches, whose subscribers are held outside Netty, over
 *       one redis-server, JDK 25, the script's lean flags and class-data archives). Slab growth divided by the connections (over loopback both ends are
 *       in this kernel, so it is the pair's), and each role's PSS ({@code /proc/<pid>/smaps_rollup})
 *       at the peak: what one more process of that role costs when many share the JDK's and the
 *       archive's pages;</li>
 *   <li>heap per connection: section "Streams held outside Netty", {@code bench/heap-per-connection
 *       15000 "sse ws longpoll"}, live heap after a full GC per idle connection (JDK 17, default
 *       flags; all three transports from the one table; WebSocket from section "WebSocket streams held
 *       outside Netty", same command, once its streams left Netty too; long-poll from section "Held
 *       long-polls", same command, once a waiting poll left Netty too), and for the bench's side section "The
 *       bench's subscribers held outside Netty" ({@code bench/lean-footprint}).</li>
 * </ul>
 */
final class ConnectionCosts {

    /** What one idle connection of each transport costs a node's heap. */
    enum Transport {
        SSE("sse", 554),
        WEBSOCKET("websocket", 708),
        LONG_POLL("long-poll", 611);

        final String option;
        final long heapBytesPerConnection;

        Transport(String option, long heapBytesPerConnection) {
            this.option = option;
            this.heapBytesPerConnection = heapBytesPerConnection;
        }

        /** The transport named {@code option} ({@code sse}, {@code websocket}, {@code long-poll}). */
        static Transport of(String option) {
            for (Transport t : values()) {
                if (t.option.equals(option)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("--transport must be sse, websocket or long-poll, got " + option);
        }
    }

    /** Kernel memory of one loopback connection, both ends together: 10,291 B of slab growth per pair at 1,000,004. */
    static final long KERNEL_BYTES_PER_LOOPBACK_PAIR = 10_291;

    /**
     * Kernel memory of one end of a connection whose peer is on another machine: half of the
     * measured pair, since both ends of a loopback pair are the same kind of socket.
     */
    static final long KERNEL_BYTES_PER_SOCKET = KERNEL_BYTES_PER_LOOPBACK_PAIR / 2;

    /** Connections each node and each bench held when the process figures below were taken. */
    static final long CONNECTIONS_PER_MEASURED_PROCESS = 18_868;

    /** A node's PSS at the 1,000,004 peak: 78 MiB (sum PSS 4,118 MiB over 53 nodes). */
    static final long NODE_PSS_BYTES = 78L * 1024 * 1024;

    /** A bench's PSS at the same peak: 59 MiB (sum PSS 3,127 MiB over 53 benches). */
    static final long BENCH_PSS_BYTES = 59L * 1024 * 1024;

    /** The one redis-server's RSS at the same peak: 259 MiB. */
    static final long REDIS_BYTES = 259L * 1024 * 1024;

    /** A {@code halley bench} process's live heap per idle SSE subscriber, held outside Netty: 221 B. */
    static final long CLIENT_HEAP_BYTES_PER_CONNECTION = 221;

    /** What one more node costs besides its connections' heap: its PSS less 18,868 idle SSE connections' heap (~68 MiB). */
    static final long NODE_PROCESS_BYTES = NODE_PSS_BYTES - CONNECTIONS_PER_MEASURED_PROCESS * Transport.SSE.heapBytesPerConnection;

    /** What one more bench costs besides its subscribers' heap: its PSS less 18,868 subscribers' heap (~55 MiB). */
    static final long BENCH_PROCESS_BYTES = BENCH_PSS_BYTES - CONNECTIONS_PER_MEASURED_PROCESS * CLIENT_HEAP_BYTES_PER_CONNECTION;

    /**
     * File descriptors a process keeps for everything but connections: jars, epoll, pipes, logs,
     * Redis, publishes and {@code /status}. Under the reference machine's cap of 20,000 that leaves
     * 18,900 connections a process, {@code bench/million}'s {@code --per-process}.
     */
    static final int RESERVED_FDS = 1_100;

    private ConnectionCosts() {
    }
}
