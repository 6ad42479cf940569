package dev.halley.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the server's own figures: resident memory and CPU time of its processes from
 * {@code /proc/<pid>/status} (VmRSS) and {@code /proc/<pid>/stat} (utime + stime, in clock ticks
 * of 1/100 s, the Linux {@code USER_HZ}), and Halley's heap from {@code GET /status}. A figure
 * that cannot be read is null, never guessed.
 */
final class ServerProbe {

    private static final Logger log = LoggerFactory.getLogger(ServerProbe.class);
    private static final double TICKS_PER_SECOND = 100.0;

    /** One reading; fields are null when not measured. */
    record Reading(Long rssBytes, Double cpuSeconds, Long heapUsedBytes) {
    }

    private final List<Integer> pids;
    private final URI statusUrl;
    private final HttpClient http;

    ServerProbe(List<Integer> pids, String statusUrl, boolean allowRemote) {
        this.pids = pids;
        for (int pid : pids) {
            if (!Files.exists(Path.of("/proc", Integer.toString(pid)))) {
                throw new IllegalArgumentException("--server-pid " + pid + ": no such process");
            }
        }
        if (statusUrl.isEmpty()) {
            this.statusUrl = null;
            this.http = null;
        } else {
            UrlTemplate.parse("--server-status", statusUrl).resolve("--server-status", allowRemote);
            this.statusUrl = URI.create(statusUrl);
            this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        }
    }

    Reading read() {
        Long rss = null;
        Double cpu = null;
        if (!pids.isEmpty()) {
            try {
                long rssSum = 0;
                double cpuSum = 0;
                for (int pid : pids) {
                    rssSum += rssBytes(pid);
                    cpuSum += cpuSeconds(pid);
                }
                rss = rssSum;
                cpu = cpuSum;
            } catch (IOException | RuntimeException e) {
                log.warn("event=server_proc_unreadable reason=\"{}\"", e.getMessage());
            }
        }
        return new Reading(rss, cpu, heapUsed());
    }

    static long rssBytes(int pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring(6).trim().split("\\s+");
                return Long.parseLong(parts[0]) * 1024;
            }
        }
        throw new IOException("no VmRSS in /proc/" + pid + "/status");
    }

    static double cpuSeconds(int pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
        // The command name may hold spaces and parentheses; the fields start after the last ')'.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        // After the name: state is field 3 of stat(5), so utime (14) and stime (15) are at 11 and 12 here.
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
    }

    private Long heapUsed() {
        if (statusUrl == null) {
            return null;
        }
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(statusUrl).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode heap = WorkerMode.MAPPER.readTree(r.body()).path("memory").path("heapUsedBytes");
            return r.statusCode() == 200 && heap.isNumber() ? heap.asLong() : null;
        } catch (IOException e) {
            log.warn("event=server_status_unreadable url={} reason=\"{}\"", statusUrl, e.getMessage());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
