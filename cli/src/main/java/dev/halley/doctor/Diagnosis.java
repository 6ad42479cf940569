package dev.halley.doctor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * The doctor's verdict for one {@link Target} on one machine: findings, the configuration lines
 * that remove them, the process plan and the memory estimate. Pure arithmetic on
 * {@link MachineLimits}; it reads nothing itself.
 *
 * @param fdCap the per-process open-file limit the plan assumes (0 when unknown)
 * @param serverProcesses server processes of the plan: as asked, or as many as the limit needs
 * @param clientProcesses client processes needed at {@code fdCap} (0 when clients are elsewhere)
 * @param sysctlLines lines for {@code /etc/sysctl.d/}, empty when nothing needs changing
 * @param openFilesTarget the open-file limit one process needs, for limits.conf and systemd
 */
record Diagnosis(Target target, MachineLimits machine, List<Finding> findings, long fdCap,
                        int serverProcesses, int clientProcesses, List<String> sysctlLines,
                        long openFilesTarget, boolean openFilesNeedRaising, MemoryEstimate memory) {

    /** How much a finding matters: a blocker makes the target unreachable as configured. */
    enum Severity { OK, WARNING, BLOCKER }

    record Finding(Severity severity, String topic, String text) {
    }

    /**
     * Estimated memory of the plan, from {@link ConnectionCosts}.
     *
     * @param processBytes what the processes cost besides their connections' heap (servers, plus
     *        clients on this host), at {@link ConnectionCosts#NODE_PROCESS_BYTES} and
     *        {@link ConnectionCosts#BENCH_PROCESS_BYTES} each
     * @param redisBytes the one redis-server several nodes share ({@link ConnectionCosts#REDIS_BYTES}); 0 for one node
     */
    record MemoryEstimate(long kernelBytes, long serverHeapBytes, long clientHeapBytes, long processBytes, long redisBytes,
                                 long heapPerServerBytes) {
        long totalBytes() {
            return kernelBytes + serverHeapBytes + clientHeapBytes + processBytes + redisBytes;
        }
    }

    /** Recommended floors: Halley listens with a backlog of 4096, and loopback bursts queue per core. */
    static final long LISTEN_BACKLOG = 4096;
    static final long NETDEV_BACKLOG = 16384;
    private static final long PAGE_BYTES = 4096;

    /** True when nothing blocks the target as configured. */
    boolean reachable() {
        return findings.stream().noneMatch(f -> f.severity() == Severity.BLOCKER);
    }

    static Diagnosis of(MachineLimits m, Target t) {
        List<Finding> findings = new ArrayList<>();
        List<String> sysctl = new ArrayList<>();
        long n = t.connections();
        int reserve = ConnectionCosts.RESERVED_FDS;

        long hard = m.openFilesHard().orElse(0);
        long fdCap = t.perProcessFdCap() != 0 ? t.perProcessFdCap() : hard;
        long perServer = ceilDiv(n, t.serverProcesses());
        long needFds = perServer + reserve;
        long openFilesTarget = roundUp(needFds, 1024);
        boolean raise = false;
        int servers = t.serverProcesses();
        if (fdCap == 0) {
            findings.add(new Finding(Severity.WARNING, "open files",
                    "cannot read this process's open-file limit (/proc/self/limits); pass --per-process-fd-cap"));
        } else if (needFds > fdCap) {
            raise = true;
            servers = (int) ceilDiv(n, fdCap - reserve);
            StringBuilder why = new StringBuilder();
            why.append(t.serverProcesses() == 1 ? "one process" : "each of " + t.serverProcesses() + " processes")
                    .append(" must hold ").append(fmt(perServer)).append(" connections, which needs ~")
                    .append(fmt(needFds)).append(" open files (").append(fmt(reserve))
                    .append(" kept for the JVM), but the per-process limit is ").append(fmt(fdCap));
            if (t.perProcessFdCap() == 0) {
                why.append(" (the hard nofile limit)");
                if (m.canRaiseHardLimit().isPresent() && !m.canRaiseHardLimit().get()) {
                    why.append(" and it cannot be raised from here: this process lacks CAP_SYS_RESOURCE"
                            + " (a container or sandbox), so only whoever starts it can grant more"
                            + " (container runtime, systemd, limits.conf)");
                }
            }
            if (m.nrOpen().isPresent() && m.nrOpen().getAsLong() < openFilesTarget) {
                why.append("; fs.nr_open = ").append(fmt(m.nrOpen().getAsLong()))
                        .append(" caps every process below that, so it must be raised first");
                sysctl.add("fs.nr_open = " + openFilesTarget);
            }
            findings.add(new Finding(Severity.BLOCKER, "open files", why.toString()));
        } else {
            findings.add(new Finding(Severity.OK, "open files", fmt(needFds) + " open files per server process fit under "
                    + fmt(fdCap) + " (the JVM raises its soft limit to the hard one at start)"));
        }

        int clients = 0;
        if (t.clientsOnThisHost() && fdCap > reserve) {
            clients = (int) ceilDiv(n, fdCap - reserve);
        }

        long systemFds = n * (t.clientsOnThisHost() ? 2 : 1) + (long) (servers + clients) * reserve;
        if (m.fileMax().isPresent()) {
            long fileMax = m.fileMax().getAsLong();
            if (systemFds > fileMax) {
                findings.add(new Finding(Severity.BLOCKER, "fs.file-max", "the system needs ~" + fmt(systemFds)
                        + " open files" + (t.clientsOnThisHost() ? " (both ends of every connection)" : "")
                        + " but fs.file-max is " + fmt(fileMax)));
                sysctl.add("fs.file-max = " + roundUp(systemFds + systemFds / 10, 1024));
            } else {
                findings.add(new Finding(Severity.OK, "fs.file-max", fmt(systemFds) + " open files in all fit under " + fmt(fileMax)));
            }
        }

        OptionalInt ports = m.localPorts();
        if (t.clientsOnThisHost() && ports.isPresent()) {
            long pairs = ceilDiv(n, ports.getAsInt());
            if (pairs > 1) {
                findings.add(new Finding(Severity.WARNING, "local ports", "one client address reaches one server port at most "
                        + fmt(ports.getAsInt()) + " times (ip_local_port_range " + m.localPortLow().getAsInt() + "-"
                        + m.localPortHigh().getAsInt() + "): spread the clients over at least " + pairs
                        + " source addresses (127.0.0.1-127.0.0." + Math.min(pairs, 254) + ") or server ports"));
                if (ports.getAsInt() < 64_512) {
                    sysctl.add("net.ipv4.ip_local_port_range = 1024 65535");
                }
            }
        }

        floor(findings, sysctl, "net.core.somaxconn", m.somaxconn().orElse(-1), LISTEN_BACKLOG,
                "caps Halley's listen backlog of " + LISTEN_BACKLOG + "; bursts of connects past it are dropped and retried");
        floor(findings, sysctl, "net.ipv4.tcp_max_syn_backlog", m.tcpMaxSynBacklog().orElse(-1), LISTEN_BACKLOG,
                "half-open connections past it are dropped during a connect burst");
        if (t.clientsOnThisHost()) {
            floor(findings, sysctl, "net.core.netdev_max_backlog", m.netdevMaxBacklog().orElse(-1), NETDEV_BACKLOG,
                    "loopback packets queue per core; a connect storm drops packets past it");
        }

        if (m.tcpMemPages().known()) {
            long maxPages = m.tcpMemPages().max();
            if (n > maxPages) {
                findings.add(new Finding(Severity.WARNING, "tcp_mem", "idle connections hold no buffer, but if every one held a"
                        + " single page of unsent data TCP would need " + fmt(n) + " pages and tcp_mem allows "
                        + fmt(maxPages) + " (" + bytes(maxPages * PAGE_BYTES) + "); past it the kernel drops data"));
                sysctl.add("net.ipv4.tcp_mem = " + n / 2 + " " + n * 3 / 4 + " " + n);
            }
        }

        long kernel = n * (t.clientsOnThisHost() ? ConnectionCosts.KERNEL_BYTES_PER_LOOPBACK_PAIR : ConnectionCosts.KERNEL_BYTES_PER_SOCKET);
        long heapPerConnection = t.transport().heapBytesPerConnection;
        long serverHeap = n * heapPerConnection;
        long clientHeap = t.clientsOnThisHost() ? n * ConnectionCosts.CLIENT_HEAP_BYTES_PER_CONNECTION : 0;
        // Nodes of a cluster share one redis-server, as in bench/million; one node needs none.
        long redis = servers > 1 ? ConnectionCosts.REDIS_BYTES : 0;
        MemoryEstimate memory = new MemoryEstimate(kernel, serverHeap, clientHeap,
                servers * ConnectionCosts.NODE_PROCESS_BYTES + clients * ConnectionCosts.BENCH_PROCESS_BYTES, redis,
                ceilDiv(n, servers) * heapPerConnection);
        if (m.memAvailableBytes().isPresent()) {
            long available = m.memAvailableBytes().getAsLong();
            if (memory.totalBytes() > available) {
                findings.add(new Finding(Severity.BLOCKER, "memory", "the estimate is " + bytes(memory.totalBytes())
                        + " but only " + bytes(available) + " is available"));
            } else {
                Severity s = memory.totalBytes() > available * 8 / 10 ? Severity.WARNING : Severity.OK;
                findings.add(new Finding(s, "memory", "the estimate " + bytes(memory.totalBytes()) + " is "
                        + memory.totalBytes() * 100 / available + "% of the " + bytes(available) + " available"));
            }
        }
        return new Diagnosis(t, m, List.copyOf(findings), fdCap, servers, clients, List.copyOf(sysctl),
                openFilesTarget, raise, memory);
    }

    private static void floor(List<Finding> findings, List<String> sysctl, String key, long value, long floor, String why) {
        if (value < 0) {
            return;
        }
        if (value < floor) {
            findings.add(new Finding(Severity.WARNING, key, value + ", below " + floor + ": " + why));
            sysctl.add(key + " = " + floor);
        } else {
            findings.add(new Finding(Severity.OK, key, value + " (at least " + floor + ")"));
        }
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    private static long roundUp(long value, long unit) {
        return ceilDiv(value, unit) * unit;
    }

    /** 1000000 as {@code 1,000,000}. */
    static String fmt(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** Bytes in binary units with one decimal: {@code 8.4 GiB}. */
    static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
