package dev.halley.doctor;

/**
 * Measured memory costs, the only figures the doctor's estimates rest on.
 *
 * <p>Measured on this project's reference machine kind (Linux x86-64, 2 cores, 24 GiB, Netty 4.2
 * native epoll) by holding a known number of idle SSE connections open over loopback and dividing
 * the growth by that number. The processes are the lean ones {@code bench/million} runs
 * ({@link ManyProcessPlan}: JDK 25, its flags, its class-data archive):
 * <ul>
 *   <li>kernel: growth of {@code Slab} in {@code /proc/meminfo} at the peak of
 *       {@code bench/million --connections 189000} (issue 13); over loopback one connection has
 *       both ends in this kernel, so the figure is for the pair;</li>
 *   <li>heap: live heap after a full GC ({@code jcmd GC.class_histogram}) at 18,900 connections
 *       minus with none (a node) or with 200 (a bench): {@code bench/lean-footprint};</li>
 *   <li>process: private memory ({@code Private_Clean + Private_Dirty} of
 *       {@code /proc/<pid>/smaps_rollup}) of the same processes at 18,900 connections, minus
 *       their connections' live heap: what each more process of that role costs when many share
 *       the JDK's and the archive's pages ({@code bench/lean-footprint}).</li>
 * </ul>
 * Change them only with a new measurement and say where it came from (commit and command).
 */
final class ConnectionCosts {

    /**
     * Kernel memory of one loopback connection, both ends together: 10,295 B of slab growth per
     * connection at the peak of issue 13's 189,000-connection run (8,380 B at 100,000 before;
     * a bench/million run of 40,000 on a busy box showed 13,692 B, with other work's slab in it).
     */
    static final long KERNEL_BYTES_PER_LOOPBACK_PAIR = 10_295;

    /**
     * Kernel memory of one end of a connection whose peer is on another machine: half of the
     * measured pair, since both ends of a loopback pair are the same kind of socket.
     */
    static final long KERNEL_BYTES_PER_SOCKET = KERNEL_BYTES_PER_LOOPBACK_PAIR / 2;

    /**
     * A node's live heap per idle SSE connection: 767 B, {@code bench/lean-footprint --archive with}
     * at 18,900 on commit 6f8a20f (main at c295e4f merged: SSE streams held outside Netty's
     * channels), JDK 25 with compact headers. Before that change: 1,632 B (2955847), and on
     * de7faa2 1,614 B with the archive and 1,524 B without it in one sitting (the spread is noise).
     */
    static final long SERVER_HEAP_BYTES_PER_CONNECTION = 767;

    /**
     * A {@code halley bench} process's live heap per idle SSE subscriber, the load client's side:
     * 1,349 B, same measurement (2955847: 1,367 B; de7faa2: 1,367 B with the archive, 1,372 B without).
     */
    static final long CLIENT_HEAP_BYTES_PER_CONNECTION = 1_349;

    /**
     * What one more lean node process costs besides its connections' heap: 58 MiB. At the peak of
     * {@code bench/million --connections 40000} (3 nodes of 13,334, archive on) a node had 76 MiB
     * private (of which the archive's written pages 19 MiB; its other 28 MiB are shared by every
     * node) less 13,334 x 1,614 B of connections' heap (then), plus its share of the shared pages;
     * rounded up from ~56.5 MiB. Measured before the SSE hot-path change, which moved heap per
     * connection, not this.
     */
    static final long NODE_PROCESS_BYTES = 58L * 1024 * 1024;

    /**
     * What one more lean bench process costs besides its subscribers' heap: 55 MiB, from the same
     * run (70 MiB private, archive's written pages 12 MiB, less 13,334 x 1,367 B; rounded up from ~53 MiB); the bench also
     * publishes and keeps its delivery ledger there, which an idle bench does not (~41 MiB).
     */
    static final long BENCH_PROCESS_BYTES = 55L * 1024 * 1024;

    /**
     * File descriptors a process keeps for everything but connections: jars, epoll, pipes, logs,
     * Redis, publishes and {@code /status}. Under the reference machine's cap of 20,000 that leaves
     * 18,900 connections a process, {@code bench/million}'s {@code --per-process}.
     */
    static final int RESERVED_FDS = 1_100;

    private ConnectionCosts() {
    }
}
