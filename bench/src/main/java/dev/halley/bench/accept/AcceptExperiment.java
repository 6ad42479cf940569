package dev.halley.bench.accept;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs every strategy with every loop count, each run as a fresh {@link AcceptServer} process and a
 * fresh {@link ConnectStorm} process, one after the other, and prints one table. A child that does
 * not answer in time is destroyed and the experiment fails; children are destroyed on every exit.
 */
@Command(name = "accept-experiment", mixinStandardHelpOptions = true, sortOptions = false,
        description = "The accept() experiment: connections/s, context switches, wake-ups and CPU per accept, per strategy.")
public final class AcceptExperiment implements Callable<Integer> {

    // Time for a JVM to start and bind, and for a run to finish past its own time bound.
    private static final long STARTUP_SECONDS = 30;
    private static final long FINISH_SECONDS = 30;

    @Option(names = "--strategies", split = ",", description = "Comma-separated strategies (default: all this JDK can run): herd, threads, threads-locked, "
            + "reuseport-nio, handoff-nio, netty-reuseport, netty-single.")
    List<String> strategies;

    @Option(names = "--loops", split = ",", defaultValue = "1,2,4,8", description = "Loop or thread counts (default: ${DEFAULT-VALUE}).")
    List<Integer> loops;

    @Option(names = "--rates", split = ",", defaultValue = "0,1000",
            description = "Offered connections/s, 0 for as fast as the client can (default: ${DEFAULT-VALUE}).")
    List<Integer> rates;

    @Option(names = "--warmup", defaultValue = "3000",
            description = "Connections made before each measurement, at the same rate (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--connections", defaultValue = "200000", description = "Connections per run at most (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--seconds", defaultValue = "10", description = "Seconds per run at most (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--client-threads", defaultValue = "4", description = "The client's connecting threads (default: ${DEFAULT-VALUE}).")
    int clientThreads;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address the servers listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "21100", description = "Port the servers listen on, 0 for a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--sources", defaultValue = "127.0.22.1-127.0.22.254", description = "Client source addresses (default: ${DEFAULT-VALUE}).")
    String sources;

    public static void main(String[] args) {
        System.exit(new CommandLine(new AcceptExperiment()).execute(args));
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        List<Strategy> chosen = strategies == null ? defaultStrategies() : strategies.stream().map(Strategy::of).toList();
        ExperimentOptions options = new ExperimentOptions(chosen, loops, rates, warmup, connections, seconds, clientThreads, host, port, sources);
        PrintStream out = System.out;
        out.printf("JDK %s, %d CPUs, %s %s%n", Runtime.version(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"), System.getProperty("os.version"));
        List<RunResult> results = new ArrayList<>();
        // Rows as they come go to stderr, so that stdout carries the table alone.
        System.err.println(HEADER);
        for (int rate : options.rates()) {
            for (Strategy s : options.strategies()) {
                for (int n : options.loops()) {
                    RunResult r = run(options, s, n, rate);
                    results.add(r);
                    System.err.println(row(r));
                }
            }
        }
        out.println();
        out.print(table(results));
        return 0;
    }

    /** Every strategy this JDK can run: {@link Strategy#THREADS} needs JDK 17 or older. */
    static List<Strategy> defaultStrategies() {
        return Arrays.stream(Strategy.values())
                .filter(s -> s != Strategy.THREADS || Runtime.version().feature() <= 17)
                .toList();
    }

    /** Runs one strategy with {@code loops} loops at one offered rate: server up, client to the end, server's counts. */
    public static RunResult run(ExperimentOptions options, Strategy strategy, int loops, int rate) throws IOException, InterruptedException {
        List<String> serverJvm = new ArrayList<>();
        if (strategy == Strategy.THREADS) {
            serverJvm.add("-Djdk.net.usePlainSocketImpl=true");
        }
        Process server = java(serverJvm, AcceptServer.class, strategy.word(), Integer.toString(loops), options.host(),
                Integer.toString(options.port()));
        Process client = null;
        try {
            BufferedReader serverOut = reader(server);
            String ready = line(serverOut, STARTUP_SECONDS, "server " + strategy.word());
            if (!ready.startsWith("ready ")) {
                throw new IllegalStateException("server " + strategy.word() + " said " + ready + " instead of ready <port>");
            }
            String port = ready.substring("ready ".length());
            Writer serverIn = new OutputStreamWriter(server.getOutputStream(), StandardCharsets.UTF_8);
            long warmed = 0;
            if (options.warmupConnections() > 0) {
                client = storm(options, port, options.warmupConnections(), rate);
                warmed = connected(line(reader(client), STARTUP_SECONDS + options.seconds() + FINISH_SECONDS, "warm-up client"));
                client.waitFor(FINISH_SECONDS, TimeUnit.SECONDS);
            }
            send(serverIn, "begin " + warmed);
            client = storm(options, port, options.connections(), rate);
            String clientLine = line(reader(client), STARTUP_SECONDS + options.seconds() + FINISH_SECONDS, "client");
            send(serverIn, "finish " + connected(clientLine));
            String serverLine = line(serverOut, FINISH_SECONDS, "server " + strategy.word());
            return RunResult.parse(strategy, loops, rate, clientLine, serverLine);
        } finally {
            server.destroyForcibly();
            if (client != null) {
                client.destroyForcibly();
            }
            server.waitFor(FINISH_SECONDS, TimeUnit.SECONDS);
        }
    }

    private static long connected(String clientLine) {
        return Long.parseLong(clientLine.replaceAll(".*connected=(\\d+).*", "$1"));
    }

    private static Process storm(ExperimentOptions options, String port, int connections, int rate) throws IOException {
        return java(List.of(), ConnectStorm.class, options.host(), port, Integer.toString(connections),
                Integer.toString(options.seconds()), Integer.toString(options.clientThreads()), options.sources(), Integer.toString(rate));
    }

    private static void send(Writer serverIn, String line) throws IOException {
        serverIn.write(line + "\n");
        serverIn.flush();
    }

    private static Process java(List<String> jvmOptions, Class<?> main, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        // Children must not outlive an experiment that is interrupted or fails.
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
        return p;
    }

    private static BufferedReader reader(Process p) {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    }

    /** The next line a child prints, or an exception if it prints none within {@code seconds}. */
    private static String line(BufferedReader in, long seconds, String who) throws InterruptedException {
        CompletableFuture<String> next = CompletableFuture.supplyAsync(() -> {
            try {
                return in.readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            String line = next.get(seconds, TimeUnit.SECONDS);
            if (line == null) {
                throw new IllegalStateException(who + " exited without a result (see its log above)");
            }
            return line;
        } catch (ExecutionException e) {
            throw new IllegalStateException(who + " could not be read: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(who + " did not answer within " + seconds + " s", e);
        }
    }

    static final String HEADER = String.format(Locale.ROOT, "%-16s %5s %7s %9s %7s %9s %9s %9s %9s %10s %8s",
            "strategy", "loops", "offered", "accepted", "failed", "conns/s", "ctx/acc", "wake/acc", "empty/acc", "cpu-ms/1k", "busiest");

    static String row(RunResult r) {
        return String.format(Locale.ROOT, "%-16s %5d %7s %9d %7d %9.0f %9.3f %9.3f %9.3f %10.1f %7.0f%%",
                r.strategy().word(), r.loops(), r.offeredRate() == 0 ? "max" : Integer.toString(r.offeredRate()), r.accepted(), r.failed(), r.connectsPerSecond(), r.contextSwitchesPerAccept(),
                r.wakeupsPerAccept(), r.emptyWakeupsPerAccept(), r.cpuMillisPerThousandAccepts(), r.busiestLoopShare() * 100);
    }

    /** The whole table, with the first client error of any run that had failures. */
    static String table(List<RunResult> results) {
        StringBuilder b = new StringBuilder(HEADER).append('\n');
        for (RunResult r : results) {
            b.append(row(r)).append('\n');
        }
        for (RunResult r : results) {
            if (r.failed() > 0) {
                b.append(r.strategy().word()).append(" x").append(r.loops()).append(" at ").append(r.offeredRate()).append(": first client error ")
                        .append(r.clientError()).append('\n');
            }
        }
        return b.toString();
    }
}
