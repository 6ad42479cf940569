package dev.halley.bench.accept;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Context switches and CPU time of this process's threads whose name starts with a prefix, read
 * from {@code /proc/self/task/<tid>/{comm,status,schedstat}} (Linux names a Java thread after its
 * first 15 characters). Only the server's own threads are counted, not the JIT or the GC.
 *
 * @param voluntary times a thread gave up the CPU to wait (in epoll_wait, accept(2), a futex): its wake-ups
 * @param involuntary times a thread was preempted
 * @param cpuNanos time on a CPU, user and kernel
 * @param threads how many threads matched
 */
record ThreadStats(long voluntary, long involuntary, long cpuNanos, int threads) {

    private static final Path TASKS = Path.of("/proc/self/task");

    static ThreadStats sample(String namePrefix) {
        long voluntary = 0;
        long involuntary = 0;
        long cpu = 0;
        int threads = 0;
        try (Stream<Path> tasks = Files.list(TASKS)) {
            for (Path task : tasks.toList()) {
                try {
                    if (!Files.readString(task.resolve("comm")).startsWith(namePrefix)) {
                        continue;
                    }
                    List<String> status = Files.readAllLines(task.resolve("status"));
                    voluntary += field(status, "voluntary_ctxt_switches:");
                    involuntary += field(status, "nonvoluntary_ctxt_switches:");
                    cpu += Long.parseLong(Files.readString(task.resolve("schedstat")).split(" ")[0]);
                    threads++;
                } catch (NoSuchFileException gone) {
                    // The thread ended between listing and reading; it is not one of the server's.
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + TASKS, e);
        }
        return new ThreadStats(voluntary, involuntary, cpu, threads);
    }

    private static long field(List<String> status, String name) {
        for (String line : status) {
            if (line.startsWith(name)) {
                return Long.parseLong(line.substring(name.length()).trim());
            }
        }
        throw new IllegalStateException("no " + name + " in /proc/self/task/*/status");
    }

    ThreadStats minus(ThreadStats before) {
        return new ThreadStats(voluntary - before.voluntary, involuntary - before.involuntary,
                cpuNanos - before.cpuNanos, threads);
    }
}
