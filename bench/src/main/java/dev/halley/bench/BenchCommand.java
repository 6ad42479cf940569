package dev.halley.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code halley bench}: one load run, one report. Exit code 0 when the run completed (the report
 * states every failure), 2 for a usage error, 1 when the run itself could not be carried out.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Load-test a comet server (Halley, nginx+nchan, Pushpin, MegaComet) and report what was measured.")
public final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--scenario", defaultValue = "idle", description = "idle, direct, fanout or churn (default: ${DEFAULT-VALUE}).")
    String scenario;

    @Option(names = "--transport", defaultValue = "sse", description = "longpoll, sse, ws, megacomet or pusher (default: ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = "--http2", description = "sse: each subscriber is an HTTP/2 stream; h2c by prior knowledge, or h2 by ALPN for an https --sub-url. Publishing stays HTTP/1.1.")
    boolean http2;

    @Option(names = "--streams-per-connection", defaultValue = "100", description = "--http2: subscriber streams that share one connection (default: ${DEFAULT-VALUE}).")
    int streamsPerConnection;

    @Option(names = "--insecure", description = "https --sub-url: trust any certificate and host name (a self-signed test server).")
    boolean insecure;

    @Option(names = {"--connections", "-c"}, defaultValue = "100", description = "Subscriber connections (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--rate", defaultValue = "1000", description = "New connections per second (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--max-pending", defaultValue = "0", description = "Connects in flight per process at most: the connect rate then"
            + " follows the servers (grows while subscribes succeed, halves on a failure); 0 opens at --rate regardless (default: ${DEFAULT-VALUE}).")
    int maxPending;

    @Option(names = "--hold", defaultValue = "10s", description = "idle: how long to hold the open connections (default: ${DEFAULT-VALUE}).")
    Duration hold;

    @Option(names = "--publish-rate", defaultValue = "100", description = "Offered publishes per second (default: ${DEFAULT-VALUE}).")
    int publishRate;

    @Option(names = "--duration", defaultValue = "10s", description = "How long to publish, per ramp step (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--channels", defaultValue = "10", description = "fanout: channels; connection i subscribes to channel i mod K (default: ${DEFAULT-VALUE}).")
    int channels;

    @Option(names = "--ramp", split = ",", paramLabel = "RATE", description = "Offered publish rates, one step of --duration each, e.g. 1000,2000,4000.")
    List<Integer> ramp = new ArrayList<>();

    @Option(names = "--sub-url", description = "Subscribe URL template with {id} or {channel} (default: Halley's /sub/client/{id}, /sub/channel/{channel}, or /{id}.js on :8000 for megacomet).")
    String subUrl;

    @Option(names = "--pub-url", description = "Publish URL template with {id}, {channel}, {payload} (default: Halley's /pub/client/{id} or /pub/channel/{channel}).")
    String pubUrl;

    @Option(names = "--pub-method", defaultValue = "POST", description = "Publish HTTP method (default: ${DEFAULT-VALUE}).")
    String pubMethod;

    @Option(names = "--pub-body", defaultValue = "{payload}", description = "Publish body template (default: ${DEFAULT-VALUE}).")
    String pubBody;

    @Option(names = "--pub-megacomet", defaultValue = "", paramLabel = "HOST:PORT", description = "Publish over MegaComet's manager protocol to this port instead of HTTP.")
    String pubMegacomet;

    @Option(names = "--pusher-app", paramLabel = "ID:KEY:SECRET", description = "Publish through this Pusher app's signed HTTP API (POST /apps/ID/events at the --pub-url host); the event data is the --pub-body.")
    String pusherApp;

    @Option(names = "--megacomet-workers", defaultValue = "8", description = "megacomet transport: worker ports after the --sub-url port; port = base + floorMod(id.hashCode(), workers) (default: ${DEFAULT-VALUE}).")
    int megacometWorkers;

    @Option(names = "--source", paramLabel = "ADDRESSES", description = "Local source addresses, e.g. 127.0.0.2-127.0.0.254 or a comma list, spread over connections.")
    String source;

    @Option(names = "--procs", defaultValue = "1", description = "Processes to spread the connections over (child JVMs of this jar) (default: ${DEFAULT-VALUE}).")
    int procs;

    @Option(names = "--loops", defaultValue = "2", description = "Client event loops per process (default: ${DEFAULT-VALUE}).")
    int loops;

    @Option(names = "--pub-concurrency", defaultValue = "8", description = "Publish connections, one request in flight each (default: ${DEFAULT-VALUE}).")
    int pubConcurrency;

    @Option(names = "--connect-timeout", defaultValue = "10s", description = "A connection not subscribed by then failed with 'timeout' (default: ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    @Option(names = "--grace", defaultValue = "5s", description = "Wait at most this long after publishing for the last deliveries (default: ${DEFAULT-VALUE}).")
    Duration grace;

    @Option(names = "--max-time", defaultValue = "10m", description = "Hard cap on the whole run (default: ${DEFAULT-VALUE}).")
    Duration maxTime;

    @Option(names = "--server-pid", split = ",", paramLabel = "PID", description = "Server process(es) whose RSS and CPU time to report.")
    List<Integer> serverPids = new ArrayList<>();

    @Option(names = "--server-status", defaultValue = "", paramLabel = "URL", description = "Halley /status URL to read heap figures from.")
    String serverStatus;

    @Option(names = "--allow-remote", description = "Allow targets that are not loopback addresses.")
    boolean allowRemote;

    @Option(names = "--id-prefix", description = "Prefix of client ids and channel names (default: random per run).")
    String idPrefix;

    @Option(names = "--json", paramLabel = "FILE", description = "Write every figure as JSON to FILE.")
    Path json;

    @Option(names = "--html", paramLabel = "FILE", description = "Write a self-contained HTML report with charts to FILE.")
    Path html;

    @Option(names = "--worker-index", hidden = true, defaultValue = "-1", description = "Internal: run as child process number N of a --procs run.")
    int workerIndex;

    @Override
    public Integer call() throws IOException, InterruptedException {
        BenchOptions options;
        List<String> args = new ArrayList<>(spec.commandLine().getParseResult().originalArgs());
        // The original args start with "bench" when parsed from the top-level command.
        int at = args.indexOf("bench");
        List<String> benchArgs = new ArrayList<>(at >= 0 ? args.subList(at + 1, args.size()) : args);
        if (idPrefix == null) {
            idPrefix = "hb" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
            benchArgs.add("--id-prefix");
            benchArgs.add(idPrefix);
        }
        try {
            options = options();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintStream out = System.out;
        if (workerIndex >= 0) {
            if (workerIndex >= options.procs()) {
                throw new ParameterException(spec.commandLine(), "--worker-index must be below --procs " + options.procs() + ", got " + workerIndex);
            }
            return WorkerMode.run(options, workerIndex, out);
        }
        BenchReport report;
        try {
            report = new BenchRun(options, benchArgs, new ProgressLine(out, System.console() != null)).run();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        } catch (IllegalStateException e) {
            System.err.println("bench failed: " + e.getMessage());
            return 1;
        }
        out.println();
        out.print(TextReport.render(report));
        if (json != null) {
            Files.writeString(json, WorkerMode.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(report));
        }
        if (html != null) {
            Files.writeString(html, HtmlReport.render(report));
        }
        out.flush();
        return 0;
    }

    BenchOptions options() {
        Scenario sc = parseEnum(Scenario.class, "--scenario", scenario);
        BenchTransport tr = parseEnum(BenchTransport.class, "--transport", transport);
        boolean fanout = sc == Scenario.FANOUT;
        String sub = subUrl != null ? subUrl
                : tr == BenchTransport.MEGACOMET ? "http://127.0.0.1:8000/{id}.js"
                : fanout ? "http://127.0.0.1:8080/sub/channel/{channel}" : "http://127.0.0.1:8080/sub/client/{id}";
        PusherSigner pusher = pusherApp == null ? null : PusherSigner.parse(pusherApp);
        String pub = pubUrl != null ? pubUrl
                : pusher != null ? "http://127.0.0.1:8080" + pusher.eventsPath()
                : fanout ? "http://127.0.0.1:8080/pub/channel/{channel}" : "http://127.0.0.1:8080/pub/client/{id}";
        return new BenchOptions(sc, tr, http2, streamsPerConnection, insecure, connections, rate, maxPending, hold, publishRate, duration, channels, ramp, sub, pub, pubMethod,
                pubBody, pubMegacomet, pusher, megacometWorkers, sources(source), procs, loops, pubConcurrency, connectTimeout, grace,
                maxTime, serverPids, serverStatus, allowRemote, idPrefix, json, html);
    }

    private static <E extends Enum<E>> E parseEnum(Class<E> type, String option, String text) {
        StringBuilder words = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(text)) {
                return e;
            }
            words.append(words.length() == 0 ? "" : ", ").append(e.name().toLowerCase());
        }
        throw new IllegalArgumentException(option + " must be one of " + words + ", got " + text);
    }

    /** {@code 127.0.0.2-127.0.0.254} (the last octet ranges) or {@code a,b,c}; null is none. */
    static List<String> sources(String text) {
        List<String> out = new ArrayList<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        for (String part : text.split(",")) {
            String p = part.trim();
            int dash = p.indexOf('-');
            if (dash < 0) {
                out.add(p);
                continue;
            }
            String from = p.substring(0, dash);
            String to = p.substring(dash + 1);
            int fromDot = from.lastIndexOf('.');
            int toDot = to.lastIndexOf('.');
            if (fromDot < 0 || toDot < 0 || !from.substring(0, fromDot).equals(to.substring(0, toDot))) {
                throw new IllegalArgumentException("--source range must differ in the last octet only, e.g. 127.0.0.2-127.0.0.254, got " + p);
            }
            int lo;
            int hi;
            try {
                lo = Integer.parseInt(from.substring(fromDot + 1));
                hi = Integer.parseInt(to.substring(toDot + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--source range must be a.b.c.x-a.b.c.y, got " + p);
            }
            if (lo < 0 || hi > 255 || lo > hi) {
                throw new IllegalArgumentException("--source range octets must rise within 0-255, got " + p);
            }
            for (int i = lo; i <= hi; i++) {
                out.add(from.substring(0, fromDot + 1) + i);
            }
        }
        return out;
    }
}
