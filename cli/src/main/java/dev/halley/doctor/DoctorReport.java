package dev.halley.doctor;

import static dev.halley.doctor.Diagnosis.bytes;
import static dev.halley.doctor.Diagnosis.fmt;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.OptionalLong;

/** Renders a {@link Diagnosis} as the text {@code halley doctor} prints. */
final class DoctorReport {

    private final Diagnosis d;
    private final Path root;

    DoctorReport(Diagnosis d, Path root) {
        this.d = d;
        this.root = root;
    }

    void print(PrintWriter out) {
        Target t = d.target();
        MachineLimits m = d.machine();
        out.printf("Halley doctor: %s connections, %d server process%s, clients %s%n%n", fmt(t.connections()),
                t.serverProcesses(), t.serverProcesses() == 1 ? "" : "es",
                t.clientsOnThisHost() ? "on this machine (loopback)" : "elsewhere");

        out.printf("This machine (read under %s)%n", root);
        String raise = m.canRaiseHardLimit().map(can -> can ? "can be raised: CAP_SYS_RESOURCE held"
                : "cannot be raised from here: no CAP_SYS_RESOURCE").orElse("raisable: unknown");
        row(out, "open files", "soft " + num(m.openFilesSoft()) + ", hard " + num(m.openFilesHard()) + " (" + raise + ")");
        row(out, "fs.file-max", num(m.fileMax()));
        row(out, "fs.nr_open", num(m.nrOpen()));
        row(out, "backlogs", "somaxconn " + num(m.somaxconn()) + ", tcp_max_syn_backlog " + num(m.tcpMaxSynBacklog())
                + ", netdev_max_backlog " + num(m.netdevMaxBacklog()));
        OptionalInt ports = m.localPorts();
        row(out, "local ports", ports.isPresent()
                ? m.localPortLow().getAsInt() + "-" + m.localPortHigh().getAsInt() + " (" + fmt(ports.getAsInt()) + ")" : "unknown");
        row(out, "tcp_mem", m.tcpMemPages().known()
                ? m.tcpMemPages() + " pages (max " + bytes(m.tcpMemPages().max() * 4096) + ")" : "unknown");
        row(out, "tcp_rmem", m.tcpRmem() + " bytes (min default max)");
        row(out, "tcp_wmem", m.tcpWmem() + " bytes (min default max)");
        row(out, "memory", mem(m.memTotalBytes()) + " total, " + mem(m.memAvailableBytes()) + " available");
        row(out, "cores", m.cores().isPresent() ? String.valueOf(m.cores().getAsInt()) : "unknown");
        out.println();

        Diagnosis.MemoryEstimate e = d.memory();
        out.printf("Memory estimate for %d server and %d client processes (measured costs, dev.halley.doctor.ConnectionCosts)%n",
                d.serverProcesses(), d.clientProcesses());
        long n = t.connections();
        if (t.clientsOnThisHost()) {
            cost(out, "kernel", fmt(n) + " x " + fmt(ConnectionCosts.KERNEL_BYTES_PER_LOOPBACK_PAIR) + " B (loopback pair)", e.kernelBytes());
        } else {
            cost(out, "kernel", fmt(n) + " x " + fmt(ConnectionCosts.KERNEL_BYTES_PER_SOCKET) + " B (one end)", e.kernelBytes());
        }
        cost(out, "server heap", fmt(n) + " x " + fmt(t.transport().heapBytesPerConnection) + " B (idle " + t.transport().option
                + ", node)", e.serverHeapBytes());
        if (t.clientsOnThisHost()) {
            cost(out, "client heap", fmt(n) + " x " + fmt(ConnectionCosts.CLIENT_HEAP_BYTES_PER_CONNECTION) + " B (halley bench)", e.clientHeapBytes());
        }
        String processes = d.serverProcesses() + " x " + bytes(ConnectionCosts.NODE_PROCESS_BYTES);
        if (d.clientProcesses() > 0) {
            processes += " + " + d.clientProcesses() + " x " + bytes(ConnectionCosts.BENCH_PROCESS_BYTES);
        }
        cost(out, "processes", processes + " (lean)", e.processBytes());
        if (e.redisBytes() > 0) {
            cost(out, "redis-server", "1 x " + bytes(ConnectionCosts.REDIS_BYTES) + " (shared by the nodes)", e.redisBytes());
        }
        cost(out, "total", "", e.totalBytes());
        out.printf("  connections' heap per server process: %s; give it -Xmx of at least twice that%n%n", bytes(e.heapPerServerBytes()));

        out.println("Findings");
        for (Diagnosis.Finding f : d.findings()) {
            out.printf("  %-8s %s: %s%n", f.severity(), f.topic(), f.text());
        }
        out.println();
        out.println(d.reachable() ? "Verdict: reachable as configured."
                : "Verdict: NOT reachable as configured.");

        if (!d.sysctlLines().isEmpty() || d.openFilesNeedRaising()) {
            out.println();
            out.println("Fix (as root on the host, then restart Halley)");
            if (!d.sysctlLines().isEmpty()) {
                out.println("  # /etc/sysctl.d/99-halley.conf, then: sysctl --system");
                for (String line : d.sysctlLines()) {
                    out.println("  " + line);
                }
            }
            if (d.openFilesNeedRaising()) {
                long nofile = d.openFilesTarget();
                out.println("  # /etc/security/limits.d/99-halley.conf (login sessions)");
                out.println("  *  soft  nofile  " + nofile);
                out.println("  *  hard  nofile  " + nofile);
                out.println("  # systemd unit, [Service] section");
                out.println("  LimitNOFILE=" + nofile);
                out.println("  # container");
                out.println("  docker run --ulimit nofile=" + nofile + ":" + nofile + " ...");
            }
        }
        if (d.openFilesNeedRaising() && d.fdCap() > ConnectionCosts.RESERVED_FDS) {
            long perProcess = d.fdCap() - ConnectionCosts.RESERVED_FDS;
            out.println();
            out.printf("If the open-file limit stays at %s: spread the connections over processes of at most %s each%n",
                    fmt(d.fdCap()), fmt(perProcess));
            out.printf("  (%s / (%s - %s reserved)): %d server processes (halley cluster)", fmt(n), fmt(d.fdCap()),
                    fmt(ConnectionCosts.RESERVED_FDS), d.serverProcesses());
            if (d.clientProcesses() > 0) {
                out.printf(" and %d client processes (halley bench --procs %d)", d.clientProcesses(), d.clientProcesses());
            }
            out.println(".");
            out.printf("  Check that plan: halley doctor --connections %d --server-processes %d%n", n, d.serverProcesses());
            if (d.clientProcesses() > 0 && perProcess <= ManyProcessPlan.MAX_PER_PROCESS) {
                printManyProcessPlan(out, n, perProcess);
            }
        } else if (!d.sysctlLines().isEmpty()) {
            out.println();
            out.println("Warnings do not block the target; the lines above remove them.");
        }
    }

    /** The same plan as {@code bench/million} runs it on one box: its process counts, flags and arguments. */
    private static void printManyProcessPlan(PrintWriter out, long n, long perProcess) {
        long processes = Diagnosis.ceilDiv(n, perProcess);
        long perNode = Diagnosis.ceilDiv(n, processes);
        String option = perProcess == ManyProcessPlan.PER_PROCESS ? "" : " --per-process " + perProcess;
        out.println();
        out.printf("On this box, as bench/million runs it (bench/million --connections %d%s):%n", n, option);
        out.printf("  %d nodes x %s connections + %d benches, one redis-server, JDK 25, each role's class-data archive%n",
                processes, fmt(perNode), processes);
        out.printf("  node JVM:  %s%n", ManyProcessPlan.NODE_FLAGS);
        out.printf("  node:      halley %s%n", ManyProcessPlan.NODE_ARGS);
        out.printf("  bench JVM: %s%n", ManyProcessPlan.BENCH_FLAGS);
        out.printf("  bench:     halley %s%n", ManyProcessPlan.BENCH_ARGS);
    }

    private static void row(PrintWriter out, String label, String value) {
        out.printf("  %-14s %s%n", label, value);
    }

    private static void cost(PrintWriter out, String label, String how, long total) {
        out.printf("  %-14s %-44s = %s%n", label, how, bytes(total));
    }

    private static String num(OptionalLong v) {
        if (v.isEmpty()) {
            return "unknown";
        }
        return v.getAsLong() == Long.MAX_VALUE ? "unlimited" : fmt(v.getAsLong());
    }

    private static String mem(OptionalLong v) {
        return v.isPresent() ? bytes(v.getAsLong()) : "unknown";
    }

}
