package dev.halley.doctor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code halley doctor} against directories of fake {@code /proc} files written here, and once
 * against this machine's real {@code /proc}, checked with an independent {@code ulimit} reading.
 */
class DoctorCommandTest {

    /** CapEff of a container root without CAP_SYS_RESOURCE (bit 24 clear), as on this machine kind. */
    private static final String CAPS_WITHOUT_SYS_RESOURCE = "000001fffeffffff";
    private static final String CAPS_ALL = "000001ffffffffff";

    @TempDir
    Path root;

    private record Run(int exitCode, String out, String err) {
    }

    private static Run doctor(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = DoctorCommand.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    private Run doctorOnFakeRoot(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--root";
        all[1] = root.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return doctor(all);
    }

    private void write(String relative, String content) throws IOException {
        Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content, StandardCharsets.UTF_8);
    }

    /** A machine like the reference one: 20,000 open files, not raisable, 2 cores, 24 GiB. */
    private void writeSmallLimitMachine() throws IOException {
        write("proc/self/limits", """
                Limit                     Soft Limit           Hard Limit           Units
                Max cpu time              unlimited            unlimited            seconds
                Max open files            20000                20000                files
                Max locked memory         8388608              8388608              bytes
                """);
        write("proc/self/status", "Name:\tjava\nCapInh:\t0000000000000000\nCapEff:\t" + CAPS_WITHOUT_SYS_RESOURCE + "\n");
        write("proc/sys/fs/file-max", "2466174\n");
        write("proc/sys/fs/nr_open", "1048576\n");
        write("proc/sys/net/core/somaxconn", "4096\n");
        write("proc/sys/net/ipv4/tcp_max_syn_backlog", "2048\n");
        write("proc/sys/net/core/netdev_max_backlog", "1000\n");
        write("proc/sys/net/ipv4/ip_local_port_range", "32768\t60999\n");
        write("proc/sys/net/ipv4/tcp_mem", "287898\t383866\t575796\n");
        write("proc/sys/net/ipv4/tcp_rmem", "4096\t131072\t33554432\n");
        write("proc/sys/net/ipv4/tcp_wmem", "4096\t16384\t4194304\n");
        write("proc/meminfo", "MemTotal:       24683656 kB\nMemFree:        23120252 kB\nMemAvailable:   24148764 kB\n");
        write("proc/cpuinfo", "processor\t: 0\nmodel name\t: x\n\nprocessor\t: 1\nmodel name\t: x\n");
    }

    @Test
    void aMillionInOneProcessIsBlockedByTheHardLimitAndTheProcessCountIsGiven() throws IOException {
        writeSmallLimitMachine();

        Run run = doctorOnFakeRoot("--connections", "1000000");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out())
                .contains("soft 20,000, hard 20,000 (cannot be raised from here: no CAP_SYS_RESOURCE)")
                .contains("BLOCKER  open files: one process must hold 1,000,000 connections")
                .contains("lacks CAP_SYS_RESOURCE")
                .contains("Verdict: NOT reachable as configured.")
                .contains("LimitNOFILE=1001472")
                .contains("*  hard  nofile  1001472")
                .contains("net.ipv4.tcp_max_syn_backlog = 4096")
                .contains("(1,000,000 / (20,000 - 1,100 reserved)): 53 server processes")
                .contains("53 client processes (halley bench --procs 53)")
                .contains("cores          2");
        assertThat(run.out()).doesNotContain("fs.nr_open = ");
    }

    @Test
    void theSuggestedPlanIsReachable() throws IOException {
        writeSmallLimitMachine();

        Run run = doctorOnFakeRoot("--connections", "1000000", "--server-processes", "53");

        assertThat(run.exitCode()).isEqualTo(0);
        assertThat(run.out()).contains("OK       open files: 19,968 open files per server process fit under 20,000")
                .contains("Verdict: reachable as configured.")
                .doesNotContain("LimitNOFILE");
    }

    @Test
    void memoryEstimateUsesTheMeasuredCosts() throws IOException {
        writeSmallLimitMachine();

        Run run = doctorOnFakeRoot("--connections", "10000");

        // 10,000 x 10,291 B = 98.1 MiB; 10,000 x 554 B = 5.3 MiB; 10,000 x 221 B = 2.1 MiB;
        // a node: 78 MiB PSS less 18,868 x 554 B = 68.0 MiB; a bench: 59 MiB less 18,868 x 221 B = 55.0 MiB.
        assertThat(run.exitCode()).isEqualTo(0);
        assertThat(run.out()).contains("10,000 x 10,291 B (loopback pair)").contains("= 98.1 MiB")
                .contains("10,000 x 554 B (idle sse, node)").contains("= 5.3 MiB")
                .contains("10,000 x 221 B (halley bench)").contains("= 2.1 MiB")
                .contains("1 x 68.0 MiB + 1 x 55.0 MiB (lean)").contains("= 123.1 MiB")
                .contains("= 228.6 MiB")
                .contains("Memory estimate for 1 server and 1 client processes")
                .doesNotContain("redis-server");
    }

    /**
     * The run the costs were measured in (docs/PERFORMANCE.md, "1,000,000 concurrent SSE subscribers
     * on this box", the 2026-12-03 run): the doctor plans its processes and estimates what was measured
     * at its peak, sum PSS 4,118 MiB (nodes) + 3,127 MiB (benches) + redis 259 MiB + slab 9,815 MiB = 16.9 GiB.
     */
    @Test
    void theMeasuredRunIsPlannedAndEstimatedAsItWasMeasured() throws IOException {
        writeSmallLimitMachine();

        Run run = doctorOnFakeRoot("--connections", "1000000");

        assertThat(run.out()).contains("Memory estimate for 53 server and 53 client processes")
                .contains("53 nodes x 18,868 connections + 53 benches, one redis-server")
                .contains("53 x 68.0 MiB + 53 x 55.0 MiB (lean)")
                .contains("redis-server   1 x 259.0 MiB (shared by the nodes)")
                .contains("total                                                       = 16.9 GiB");
    }

    @Test
    void theTransportSetsTheNodesHeapPerConnection() throws IOException {
        writeSmallLimitMachine();

        assertThat(doctorOnFakeRoot("--connections", "10000", "--transport", "websocket").out())
                .contains("10,000 x 708 B (idle websocket, node)").contains("= 6.8 MiB");
        assertThat(doctorOnFakeRoot("--connections", "10000", "--transport", "long-poll").out())
                .contains("10,000 x 611 B (idle long-poll, node)").contains("= 5.8 MiB");
        Run bad = doctorOnFakeRoot("--transport", "comet");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("--transport must be sse, websocket or long-poll, got comet");
    }

    /** The plan printed for a million on this box is the one bench/million runs: its --plan on JDK 25. */
    @Test
    void theManyProcessPlanIsTheOneBenchMillionRuns() throws Exception {
        Path jdk25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
        assumeTrue(Files.isExecutable(jdk25), "bench/million picks Temurin 25; without it its flags differ");
        Path script = Path.of("..", "bench", "million").toAbsolutePath().normalize();
        Process p = new ProcessBuilder("bash", script.toString(), "--connections", "1000000", "--plan", "--archive", "off",
                "--java", jdk25.toString()).redirectErrorStream(true).start();
        String plan = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(plan).isZero();
        String nodeJvm = plan.lines().filter(l -> l.startsWith("bench/million: node JVM: ")).findFirst().orElseThrow()
                .substring("bench/million: node JVM: ".length());
        String benchJvm = plan.lines().filter(l -> l.startsWith("bench/million: bench JVM: ")).findFirst().orElseThrow()
                .substring("bench/million: bench JVM: ".length());
        writeSmallLimitMachine();

        Run run = doctorOnFakeRoot("--connections", "1000000");

        assertThat(plan).contains("1000004 connections = 53 nodes x 18868 + 53 benches")
                .contains("'--node-args' '--loops 1 --sse-heartbeat 10m --no-http2'")
                .contains("'--bench-args' '--loops 1 --pub-concurrency 1 --max-pending 16'");
        assertThat(run.out()).contains("bench/million --connections 1000000)")
                .contains("53 nodes x 18,868 connections + 53 benches")
                .contains("  node JVM:  " + nodeJvm + "\n")
                .contains("  bench JVM: " + benchJvm + "\n")
                .contains("  node:      halley server --loops 1 --sse-heartbeat 10m --no-http2\n")
                .contains("  bench:     halley bench --loops 1 --pub-concurrency 1 --max-pending 16\n");
    }

    @Test
    void tooLittleMemoryIsABlocker() throws IOException {
        writeSmallLimitMachine();
        write("proc/meminfo", "MemTotal:       1048576 kB\nMemAvailable:   524288 kB\n");

        Run run = doctorOnFakeRoot("--connections", "100000", "--server-processes", "10");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).contains("BLOCKER  memory: the estimate").contains("only 512.0 MiB is available");
    }

    @Test
    void aRaisableMachineGetsNrOpenAndFileMaxLines() throws IOException {
        writeSmallLimitMachine();
        write("proc/self/status", "CapEff:\t" + CAPS_ALL + "\n");
        write("proc/sys/fs/nr_open", "1048576\n");
        write("proc/sys/fs/file-max", "1000000\n");

        Run run = doctorOnFakeRoot("--connections", "2000000", "--no-local-clients");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out())
                .contains("hard 20,000 (can be raised: CAP_SYS_RESOURCE held)")
                .contains("fs.nr_open = 2001920")
                .contains("BLOCKER  fs.file-max")
                .contains("fs.file-max = ")
                .contains("clients elsewhere")
                .contains("2,000,000 x 5,145 B (one end)")
                .doesNotContain("client processes (halley bench");
    }

    @Test
    void anExplicitFdCapOverridesTheHardLimit() throws IOException {
        writeSmallLimitMachine();

        Run run = doctorOnFakeRoot("--connections", "100000", "--per-process-fd-cap", "200000");

        assertThat(run.exitCode()).isEqualTo(0);
        assertThat(run.out()).contains("101,100 open files per server process fit under 200,000");
    }

    @Test
    void unreadableFilesAreReportedUnknownNotGuessed() {
        Run run = doctorOnFakeRoot("--connections", "1000");

        assertThat(run.exitCode()).isEqualTo(0);
        assertThat(run.out()).contains("soft unknown, hard unknown (raisable: unknown)")
                .contains("WARNING  open files: cannot read this process's open-file limit")
                .contains("cores          unknown");
    }

    @Test
    void usageErrorsExitTwoWithTheRule() {
        Run run = doctor("--connections", "0");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--connections must be between 1 and 100000000, got 0");
        assertThat(doctor("--per-process-fd-cap", "10").err())
                .contains("--per-process-fd-cap must be 0 (auto) or more than 1100, got 10");
    }

    @Test
    void onThisMachineTheHardLimitMatchesUlimitAndDecidesTheVerdict() throws Exception {
        Process ulimit = new ProcessBuilder("sh", "-c", "ulimit -Hn").redirectErrorStream(true).start();
        assertThat(ulimit.waitFor(10, TimeUnit.SECONDS)).isTrue();
        String word = new String(ulimit.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        long hard = word.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(word);

        Run run = doctor("--connections", "1000000");

        String shown = hard == Long.MAX_VALUE ? "unlimited" : String.format(Locale.ROOT, "%,d", hard);
        assertThat(run.out()).contains("hard " + shown).contains("This machine (read under /)");
        if (hard < 1_001_000) {
            long processes = (1_000_000 + (hard - 1_100) - 1) / (hard - 1_100);
            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.out()).contains("BLOCKER  open files: one process must hold 1,000,000 connections")
                    .contains(processes + " server processes (halley cluster)");
        }
    }
}
