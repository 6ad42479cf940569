package dev.halley.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A child process of a {@code --procs} run: holds its share of the connections and talks to the
 * coordinator in lines — it writes {@code progress <json>} every half second, {@code channels
 * <json>} when asked, and {@code result <json>} after {@code stop} (or when its standard input
 * ends, or after {@code --max-time} plus a minute, so an orphan always stops by itself).
 */
final class WorkerMode {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String PROGRESS = "progress";
    static final String CHANNELS = "channels";
    static final String STOP = "stop";
    static final String RESULT = "result";

    private WorkerMode() {
    }

    static int run(BenchOptions options, int worker, PrintStream out) throws IOException {
        int first = options.firstConnection(worker);
        int count = options.firstConnection(worker + 1) - first;
        SubscriberPool pool = new SubscriberPool(options, worker, first, count);
        pool.start();
        long deadline = System.nanoTime() + options.maxTime().toNanos() + TimeUnit.MINUTES.toNanos(1);
        Thread reporter = new Thread(() -> {
            while (!pool.stopping() && System.nanoTime() < deadline) {
                say(out, PROGRESS, pool.progress());
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
            if (!pool.stopping()) {
                // The coordinator never said stop: end the process rather than hold sockets forever.
                System.exit(3);
            }
        }, "bench-worker-progress");
        reporter.setDaemon(true);
        reporter.start();
        int[] readyPerChannel = new int[0];
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null && !line.equals(STOP)) {
            if (line.equals(CHANNELS)) {
                readyPerChannel = pool.readyPerChannel();
                say(out, CHANNELS, readyPerChannel);
            }
        }
        int standing = (int) pool.progress().standing();
        WorkerResult result = pool.stop(standing, readyPerChannel);
        say(out, RESULT, result);
        return 0;
    }

    private static void say(PrintStream out, String word, Object value) {
        try {
            String text = word + " " + MAPPER.writeValueAsString(value);
            synchronized (out) {
                out.println(text);
                out.flush();
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + word, e);
        }
    }
}
