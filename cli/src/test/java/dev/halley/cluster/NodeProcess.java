package dev.halley.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.halley.testing.RedisProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A Halley node as a separate JVM ({@code halley server}), started and awaited via {@code GET /status}. */
final class NodeProcess implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String host;
    private final int port;
    private final Path log;
    private final Process process;

    NodeProcess(String brokerUri, String... extraArgs) throws IOException, InterruptedException {
        this(List.of(), "127.0.0.1", brokerUri, extraArgs);
    }

    /**
     * A node started through {@code launcher} (e.g. {@code ip netns exec NAME}), listening on
     * {@code host}, which is also where the test reaches it.
     */
    NodeProcess(List<String> launcher, String host, String brokerUri, String... extraArgs) throws IOException, InterruptedException {
        this.host = host;
        this.port = RedisProcess.freePort();
        this.log = Files.createTempFile("halley-node-" + port, ".log");
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), "dev.halley.cli.Halley", "server",
                "--bind", host, "--port", Integer.toString(port), "--broker", brokerUri, "--loops", "2"));
        command.addAll(List.of(extraArgs));
        this.process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("node exited with " + process.exitValue() + ": " + logText());
            }
            try {
                if (get("/status").statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("node on " + port + " did not answer /status within 30s: " + logText());
    }

    int port() {
        return port;
    }

    String url(String path) {
        return "http://" + host + ":" + port + path;
    }

    Process process() {
        return process;
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode status() throws IOException, InterruptedException {
        return JSON.readTree(get("/status").body());
    }

    /** Publishes and returns the stored id; fails the test on anything but 200. */
    String publish(String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = post(path, body);
        if (r.statusCode() != 200) {
            throw new IllegalStateException("publish " + path + " answered " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body()).get("id").asText();
    }

    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    String logText() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        try {
            kill9();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
