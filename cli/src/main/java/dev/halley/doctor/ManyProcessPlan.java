package dev.halley.doctor;

/**
 * How {@code bench/million} spreads connections over processes on one box when one process may
 * not hold them all: one node and one bench per {@link #PER_PROCESS} connections, each JVM with
 * these flags (JDK 25, which the script picks when present) and its role's class-data archive.
 * The doctor prints this plan; a test checks it against {@code bench/million --plan}.
 */
final class ManyProcessPlan {

    /** Connections per node and per bench: the 20,000 open-files cap less {@link ConnectionCosts#RESERVED_FDS}. */
    static final int PER_PROCESS = 20_000 - ConnectionCosts.RESERVED_FDS;

    /** The most {@code bench/million --per-process} takes (bench/cluster keeps 1,000 files for the rest). */
    static final int MAX_PER_PROCESS = 19_000;

    /** Every JVM's flags (why each: the comments in {@code bench/million}). */
    static final String LEAN_FLAGS = "-XX:+UseSerialGC -Xms16m -Xmn8m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20"
            + " -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:ReservedCodeCacheSize=24m -XX:MaxMetaspaceSize=64m -Xss256k"
            + " -XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0 -Dio.netty.allocator.type=unpooled"
            + " -Djava.net.preferIPv4Stack=true -XX:TrimNativeHeapInterval=3000 -XX:+UseCompactObjectHeaders";

    static final String NODE_FLAGS = LEAN_FLAGS + " -Xmx104m";
    static final String BENCH_FLAGS = LEAN_FLAGS + " -Xmx60m";
    static final String NODE_ARGS = "server --loops 1 --sse-heartbeat 10m --no-http2";
    static final String BENCH_ARGS = "bench --loops 1 --pub-concurrency 1 --max-pending 16";

    private ManyProcessPlan() {
    }
}
