package dev.halley.doctor;

/**
 * Measured memory cost of one connection, the only figures the doctor's estimates rest on.
 *
 * <p>All were measured on this project's reference machine kind (Linux x86-64, 2 cores, 24 GiB,
 * JDK 17, Netty 4.2 native epoll) by holding a known number of idle connections open over loopback
 * and dividing the growth by that number:
 * <ul>
 *   <li>kernel: growth of {@code Slab} + {@code KernelStack} + socket buffers in
 *       {@code /proc/meminfo}; over loopback one connection has both ends in this kernel, so the
 *       figure is for the pair;</li>
 *   <li>heap: live heap after a full GC ({@code jcmd GC.heap_info}) of the server process, with the
 *       HTTP codec, router and an SSE session in every pipeline (Halley), or a selector key and a
 *       small read buffer per socket (a bare NIO loop, the least a JVM client holds).</li>
 * </ul>
 * Change them only with a new measurement and say where it came from.
 */
final class ConnectionCosts {

    /** Kernel memory of one loopback connection, both ends together (~8.4 KB). */
    static final long KERNEL_BYTES_PER_LOOPBACK_PAIR = 8_400;

    /**
     * Kernel memory of one end of a connection whose peer is on another machine: half of the
     * measured pair, since both ends of a loopback pair are the same kind of socket.
     */
    static final long KERNEL_BYTES_PER_SOCKET = KERNEL_BYTES_PER_LOOPBACK_PAIR / 2;

    /** Server heap per idle connection: Netty epoll channel + HTTP codec + Halley's handlers. */
    static final long SERVER_HEAP_BYTES_PER_CONNECTION = 2_116;

    /** Heap per idle connection of a bare Java NIO loop, used for a load client's side. */
    static final long CLIENT_HEAP_BYTES_PER_CONNECTION = 742;

    /**
     * Resident memory of one idle JVM running {@code halley server} with no connection: 73,084 kB
     * {@code VmRSS} of {@code java -jar target/halley.jar server --port 0} (2 loops, JDK 17,
     * default GC) four seconds after start, rounded up to 72 MiB.
     */
    static final long JVM_BASELINE_BYTES = 72L * 1024 * 1024;

    /** File descriptors a process keeps for everything but connections: jars, epoll, pipes, logs. */
    static final int RESERVED_FDS = 1_000;

    private ConnectionCosts() {
    }
}
