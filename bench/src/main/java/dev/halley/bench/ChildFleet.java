package dev.halley.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections spread over {@code --procs} child JVMs running this same jar (or class path) in
 * worker mode. Each child takes its share, reports {@code progress} lines on its standard output,
 * answers {@code channels} and {@code stop} sent on its standard input, and ends with one
 * {@code result} line. A child that does not answer in time is destroyed and the run fails.
 */
final class ChildFleet implements Fleet {

    private static final Logger log = LoggerFactory.getLogger(ChildFleet.class);
    private static final long ANSWER_TIMEOUT_SECONDS = 60;

    private final List<Child> children = new ArrayList<>();

    /** A running child and the latest of what it said. */
    private static final class Child {
        final Process process;
        final Writer stdin;
        volatile Progress progress = Progress.ZERO;
        volatile CompletableFuture<int[]> channels = new CompletableFuture<>();
        final CompletableFuture<WorkerResult> result = new CompletableFuture<>();

        Child(Process process) {
            this.process = process;
            this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        }

        void send(String line) {
            try {
                stdin.write(line + "\n");
                stdin.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("bench worker " + process.pid() + " is gone", e);
            }
        }
    }

    /**
     * Starts the children at once; each runs {@code java -cp <class path> dev.halley.bench.BenchMain <args> --worker-index i}.
     *
     * @param benchArgs the bench command's arguments, naming a fixed {@code --id-prefix}
     */
    ChildFleet(BenchOptions options, List<String> benchArgs) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = System.getProperty("java.class.path");
        ObjectMapper json = WorkerMode.MAPPER;
        try {
            for (int i = 0; i < options.procs(); i++) {
                List<String> command = new ArrayList<>(List.of(java, "-Xss512k", "-cp", classPath, BenchMain.class.getName()));
                command.addAll(benchArgs);
                command.add("--worker-index");
                command.add(Integer.toString(i));
                Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                Child child = new Child(p);
                children.add(child);
                Thread reader = new Thread(() -> read(child, json), "bench-worker-" + i + "-reader");
                reader.setDaemon(true);
                reader.start();
            }
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("cannot start bench worker processes", e);
        }
    }

    private static void read(Child child, ObjectMapper json) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(child.process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                int space = line.indexOf(' ');
                String word = space < 0 ? line : line.substring(0, space);
                String body = space < 0 ? "" : line.substring(space + 1);
                switch (word) {
                    case WorkerMode.PROGRESS -> child.progress = json.readValue(body, Progress.class);
                    case WorkerMode.CHANNELS -> child.channels.complete(json.readValue(body, int[].class));
                    case WorkerMode.RESULT -> child.result.complete(json.readValue(body, WorkerResult.class));
                    default -> log.warn("event=worker_noise pid={} line={}", child.process.pid(), line);
                }
            }
        } catch (IOException e) {
            child.result.completeExceptionally(e);
        }
        child.result.completeExceptionally(new IllegalStateException("bench worker " + child.process.pid() + " exited without a result"));
    }

    @Override
    public void start() {
        // The children start opening connections as soon as they are up.
    }

    @Override
    public Progress progress() {
        Progress sum = Progress.ZERO;
        for (Child c : children) {
            sum = sum.plus(c.progress);
        }
        return sum;
    }

    @Override
    public int[] readyPerChannel() {
        int[] sum = null;
        for (Child c : children) {
            c.channels = new CompletableFuture<>();
            c.send(WorkerMode.CHANNELS);
        }
        for (Child c : children) {
            int[] part = await(c, c.channels);
            if (sum == null) {
                sum = part.clone();
            } else {
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += part[i];
                }
            }
        }
        return sum == null ? new int[0] : sum;
    }

    @Override
    public List<WorkerResult> stop() {
        for (Child c : children) {
            c.send(WorkerMode.STOP);
        }
        List<WorkerResult> out = new ArrayList<>();
        for (Child c : children) {
            out.add(await(c, c.result));
        }
        close();
        return out;
    }

    private static <T> T await(Child c, CompletableFuture<T> f) {
        try {
            return f.get(ANSWER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for bench worker " + c.process.pid(), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("bench worker " + c.process.pid() + " did not answer: " + e.getMessage(), e);
        }
    }

    /** Ends every child: politely (stdin closed), then by force after a bounded wait. */
    @Override
    public void close() {
        for (Child c : children) {
            try {
                c.stdin.close();
            } catch (IOException e) {
                log.debug("event=worker_stdin_close_failed pid={}", c.process.pid());
            }
        }
        for (Child c : children) {
            try {
                if (!c.process.waitFor(10, TimeUnit.SECONDS)) {
                    c.process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                c.process.destroyForcibly();
            }
        }
    }
}
