package dev.halley.testing;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real redis-server on a free loopback port, in its own temp dir, with no persistence. */
public final class RedisProcess implements AutoCloseable {

    private final Path dir;
    private final int port;
    private final String bind;
    private Process process;

    public RedisProcess() throws IOException, InterruptedException {
        this(new String[0]);
    }

    /** Listens on loopback and on {@code alsoBind} too (the host side of a test network namespace's link). */
    public RedisProcess(String... alsoBind) throws IOException, InterruptedException {
        this.dir = Files.createTempDirectory("halley-redis");
        this.port = freePort();
        this.bind = alsoBind.length == 0 ? "127.0.0.1" : "127.0.0.1 " + String.join(" ", alsoBind);
        start();
    }

    public int port() {
        return port;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Stops without saving (its data is gone, as after a crash) and starts again on the same port. */
    public void restart(Duration down) throws IOException, InterruptedException {
        stop();
        Thread.sleep(down.toMillis());
        start();
    }

    /** Stops the process where it is (SIGSTOP): connections stay open, nothing is answered, time runs on. */
    public void freeze() throws IOException, InterruptedException {
        Signals.send(process, "STOP");
    }

    /** Lets a {@link #freeze frozen} process go on (SIGCONT). */
    public void thaw() throws IOException, InterruptedException {
        Signals.send(process, "CONT");
    }

    public void stop() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    public void start() throws IOException, InterruptedException {
        List<String> command = List.of(redisServer(), "--port", Integer.toString(port), "--bind", bind,
                "--protected-mode", "no", "--save", "", "--appendonly", "no", "--dir", dir.toString());
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("redis-server did not listen on " + port + " within 10s; see " + dir.resolve("redis.log"));
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** redis-server from PATH; its absence fails the suite with a clear message rather than skipping. */
    private static String redisServer() {
        for (String entry : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File f = new File(entry, "redis-server");
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        throw new IllegalStateException("redis-server is not installed (apt-get install redis-server); the cluster tests need a real Redis");
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
