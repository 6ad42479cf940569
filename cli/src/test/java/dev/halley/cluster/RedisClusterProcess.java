package dev.halley.cluster;

import dev.halley.testing.RedisProcess;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * A real Redis Cluster on loopback: three masters and three replicas of
 * {@code redis-server --cluster-enabled yes}, joined with {@code redis-cli --cluster create}, each in
 * a temp dir of its own, without persistence. The node timeout is short (2 s) so that a killed
 * master's replica is promoted quickly. The cluster counts as up only once every replica has finished
 * its first sync: a replica that never synced refuses to fail over ("disconnected from master for
 * longer than allowed"), so a master killed before that would never be replaced.
 */
final class RedisClusterProcess implements AutoCloseable {

    static final int NODE_TIMEOUT_MILLIS = 2000;
    private static final int SERVERS = 6;

    private final Path dir;
    private final List<Integer> ports = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    RedisClusterProcess() throws IOException, InterruptedException {
        this.dir = Files.createTempDirectory("halley-redis-cluster");
        for (int i = 0; i < SERVERS; i++) {
            ports.add(RedisProcess.freePort());
        }
        try {
            for (int port : ports) {
                processes.add(start(port));
            }
            create();
            for (int port : ports) {
                awaitClusterOk(port);
            }
            for (int port : ports) {
                awaitReplicaSynced(port);
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** {@code redis-cluster://127.0.0.1:p1,127.0.0.1:p2,...} with every server as a seed. */
    String uri() {
        StringJoiner seeds = new StringJoiner(",", "redis-cluster://", "");
        ports.forEach(p -> seeds.add("127.0.0.1:" + p));
        return seeds.toString();
    }

    List<Integer> ports() {
        return List.copyOf(ports);
    }

    /** The port of a server whose role is {@code master} now. */
    List<Integer> masters() throws IOException, InterruptedException {
        List<Integer> masters = new ArrayList<>();
        for (int i = 0; i < ports.size(); i++) {
            if (processes.get(i).isAlive() && cli(ports.get(i), "role").startsWith("master")) {
                masters.add(ports.get(i));
            }
        }
        return masters;
    }

    /** kill -9 of the server on {@code port}: no shutdown, no last words to its replica. */
    void kill9(int port) throws InterruptedException {
        Process p = processes.get(ports.indexOf(port));
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
    }

    /** Runs redis-cli against one server and returns what it printed. */
    static String cli(int port, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(tool("redis-cli"), "-h", "127.0.0.1", "-p", Integer.toString(port)));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("redis-cli " + String.join(" ", args) + " did not finish within 20s");
        }
        return out.trim();
    }

    private Process start(int port) throws IOException, InterruptedException {
        Path own = Files.createDirectories(dir.resolve(Integer.toString(port)));
        List<String> command = List.of(tool("redis-server"), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--cluster-enabled", "yes", "--cluster-config-file", own.resolve("nodes.conf").toString(),
                "--cluster-node-timeout", Integer.toString(NODE_TIMEOUT_MILLIS), "--save", "", "--appendonly", "no",
                "--repl-diskless-sync-delay", "0",
                "--dir", own.toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(own.resolve("redis.log").toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return process;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("redis-server did not listen on " + port + " within 10s; see " + own.resolve("redis.log"));
    }

    private void create() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(tool("redis-cli"), "--cluster", "create"));
        ports.forEach(p -> command.add("127.0.0.1:" + p));
        command.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0 || !out.contains("All 16384 slots covered")) {
            throw new IllegalStateException("redis-cli --cluster create failed: " + out);
        }
    }

    private static void awaitClusterOk(int port) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String info = "";
        while (System.nanoTime() < deadline) {
            info = cli(port, "cluster", "info");
            if (info.contains("cluster_state:ok")) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the cluster did not become ok on " + port + " within 30s: " + info);
    }

    /** Returns at once for a master; for a replica, once its link to the master is up after the first full sync. */
    private static void awaitReplicaSynced(int port) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String info = "";
        while (System.nanoTime() < deadline) {
            info = cli(port, "info", "replication");
            if (info.contains("role:master") || info.contains("master_link_status:up")) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the replica on " + port + " did not finish its first sync within 30s: " + info);
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A Redis tool from PATH (redis-cli ships with redis-server); its absence fails with a clear message. */
    private static String tool(String name) {
        for (String entry : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File f = new File(entry, name);
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        throw new IllegalStateException(name + " is not installed (apt-get install redis-server); the cluster tests need a real Redis");
    }
}
