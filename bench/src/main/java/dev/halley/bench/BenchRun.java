package dev.halley.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator of one run: opens the fleet, waits until every connection has subscribed or
 * failed, runs the scenario (hold, or publish for the duration of each step and wait up to the
 * grace for the last deliveries), stops the fleet and merges what every process measured. Every
 * wait is bounded by its own limit and by {@code --max-time}.
 */
final class BenchRun {

    private static final Logger log = LoggerFactory.getLogger(BenchRun.class);
    private static final long SAMPLE_MILLIS = 1000;
    private static final long POLL_MILLIS = 100;
    /** After publishing, deliveries that stop for this long are taken to be all there will be. */
    private static final long QUIET_NANOS = 1_000_000_000L;

    private final BenchOptions options;
    private final List<String> workerArgs;
    private final ProgressLine progressLine;
    private final long startNanos = System.nanoTime();
    private final long deadlineNanos;
    private final List<BenchReport.Sample> timeline = new ArrayList<>();
    private Fleet fleet;
    private Publisher publisher;
    private long lastSampleNanos;
    private long lastDeliveries;
    private long lastAccepted;
    private long lastAttempted;

    /**
     * @param workerArgs the bench arguments handed to child processes (with a fixed {@code --id-prefix})
     */
    BenchRun(BenchOptions options, List<String> workerArgs, ProgressLine progressLine) {
        this.options = options;
        this.workerArgs = workerArgs;
        this.progressLine = progressLine;
        this.deadlineNanos = startNanos + options.maxTime().toNanos();
        this.lastSampleNanos = startNanos;
    }

    BenchReport run() throws InterruptedException {
        String startedAt = Instant.now().toString();
        ServerProbe probe = new ServerProbe(options.serverPids(), options.statusUrl(), options.allowRemote());
        // Refuse a bad target before any process or connection is started.
        SubscriberPool.subscribeUrl(options).resolve("--sub-url", options.allowRemote());
        if (options.scenario().publishes() && options.pubMegacomet().isEmpty()) {
            UrlTemplate.parse("--pub-url", options.pubUrl()).resolve("--pub-url", options.allowRemote());
        }
        ServerProbe.Reading before = probe.read();
        log.info("event=bench_start scenario={} transport={} connections={} procs={}", options.scenario().word(),
                options.transport().word(), options.connections(), options.procs());
        List<BenchReport.Step> steps = new ArrayList<>();
        List<WorkerResult> results;
        ServerProbe.Reading loaded;
        int[] readyPerChannel = new int[0];
        long standing;
        double deliverySeconds = 0;
        Publisher.Snapshot published = null;
        BitSet accepted = new BitSet();
        long[] sendNanos = new long[0];
        int[] targets = new int[0];
        try {
            fleet = options.procs() == 1 ? new LocalFleet(options) : new ChildFleet(options, workerArgs);
            fleet.start();
            long connectLimit = System.nanoTime() + (long) (1e9 * options.connections() / options.connectRate())
                    + options.connectTimeout().toNanos() + 30_000_000_000L;
            waitUntil(() -> fleet.progress().settled() >= options.connections(), connectLimit);
            loaded = probe.read();
            if (options.scenario() == Scenario.FANOUT) {
                readyPerChannel = fleet.readyPerChannel();
            }
            if (options.scenario() == Scenario.IDLE) {
                waitUntil(() -> false, System.nanoTime() + options.hold().toNanos());
            } else {
                publisher = new Publisher(options);
                long publishStart = System.nanoTime();
                for (int rate : options.steps()) {
                    steps.add(step(rate));
                }
                publisher.stopOffering();
                int[] channels = readyPerChannel;
                long graceEnd = System.nanoTime() + options.grace().toNanos();
                // Deliveries count messages whose publish was answered too late to be accepted too,
                // so reaching the expected count is not enough: wait until deliveries stop coming.
                long[] lastCount = {-1, System.nanoTime()};
                waitUntil(() -> {
                    Publisher.Snapshot s = publisher.snapshot();
                    long expected = options.scenario() == Scenario.FANOUT ? s.accepted() * average(channels) : s.accepted();
                    long delivered = fleet.progress().deliveries();
                    long now = System.nanoTime();
                    if (delivered != lastCount[0]) {
                        lastCount[0] = delivered;
                        lastCount[1] = now;
                    }
                    return s.inFlight() == 0 && delivered >= expected && now - lastCount[1] >= QUIET_NANOS;
                }, graceEnd);
                deliverySeconds = (System.nanoTime() - publishStart) / 1e9;
                published = publisher.snapshot();
                accepted = publisher.accepted();
                sendNanos = publisher.sendNanos();
                targets = publisher.targets();
            }
            standing = fleet.progress().standing();
            sample(true);
            results = fleet.stop();
        } finally {
            if (publisher != null) {
                publisher.close();
            }
            if (fleet != null) {
                fleet.close();
            }
            progressLine.finish();
        }
        ServerProbe.Reading after = probe.read();
        double taken = (System.nanoTime() - startNanos) / 1e9;
        return report(startedAt, taken, results, standing, readyPerChannel, published, accepted, sendNanos, targets,
                deliverySeconds, steps, before, loaded, after);
    }

    /** The mean subscribers per channel, for the grace wait's "everything arrived" test only. */
    private static long average(int[] perChannel) {
        long sum = 0;
        for (int n : perChannel) {
            sum += n;
        }
        return perChannel.length == 0 ? 0 : sum / perChannel.length;
    }

    private BenchReport.Step step(int rate) throws InterruptedException {
        Publisher.Snapshot before = publisher.snapshot();
        long deliveriesBefore = fleet.progress().deliveries();
        long start = System.nanoTime();
        publisher.startStep(rate);
        waitUntil(() -> false, start + options.duration().toNanos());
        Publisher.Snapshot after = publisher.endStep();
        double seconds = (System.nanoTime() - start) / 1e9;
        long accepted = after.accepted() - before.accepted();
        long deliveries = fleet.progress().deliveries() - deliveriesBefore;
        return new BenchReport.Step(rate, seconds, after.offered() - before.offered(), accepted, accepted / seconds,
                deliveries, deliveries / seconds);
    }

    /** Sleeps in short steps, sampling, until the condition holds, the limit passes or the run's cap does. */
    private void waitUntil(BooleanSupplier done, long limitNanos) throws InterruptedException {
        while (true) {
            sample(false);
            long now = System.nanoTime();
            if (done.getAsBoolean() || now >= limitNanos || now >= deadlineNanos) {
                if (now >= deadlineNanos) {
                    log.warn("event=max_time_reached max_time_ms={}", options.maxTime().toMillis());
                }
                return;
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    private void sample(boolean force) {
        long now = System.nanoTime();
        if (!force && now - lastSampleNanos < SAMPLE_MILLIS * 1_000_000) {
            return;
        }
        Progress p = fleet.progress();
        long acceptedNow = publisher == null ? 0 : publisher.snapshot().accepted();
        double dt = Math.max(1e-3, (now - lastSampleNanos) / 1e9);
        double deliveriesPerSecond = (p.deliveries() - lastDeliveries) / dt;
        double publishesPerSecond = (acceptedNow - lastAccepted) / dt;
        double connectsPerSecond = (p.attempted() - lastAttempted) / dt;
        lastAttempted = p.attempted();
        lastSampleNanos = now;
        lastDeliveries = p.deliveries();
        lastAccepted = acceptedNow;
        double second = (now - startNanos) / 1e9;
        timeline.add(new BenchReport.Sample(second, p.standing(), p.attempted(), p.failures(), connectsPerSecond,
                deliveriesPerSecond, publishesPerSecond));
        progressLine.show(String.format(Locale.ROOT, "%6.1fs  connections %d/%d  connecting %.0f/s  errors %d  publish %.0f/s  deliveries %.0f/s",
                second, p.standing(), options.connections(), connectsPerSecond, p.failures(), publishesPerSecond, deliveriesPerSecond));
    }

    private BenchReport report(String startedAt, double taken, List<WorkerResult> results, long standing, int[] readyPerChannel,
            Publisher.Snapshot published, BitSet accepted, long[] sendNanos, int[] targets, double deliverySeconds,
            List<BenchReport.Step> steps, ServerProbe.Reading before, ServerProbe.Reading loaded, ServerProbe.Reading after) {
        Histogram connect = Histograms.micros();
        Histogram latency = Histograms.micros();
        Map<String, Long> failed = new LinkedHashMap<>();
        for (FailureCause c : FailureCause.values()) {
            failed.put(c.word, 0L);
        }
        long attempted = 0;
        long everReady = 0;
        long deliveries = 0;
        long duplicates = 0;
        long outOfOrder = 0;
        long unexpected = 0;
        long requests = 0;
        long sockets = 0;
        long held = 0;
        Long clientRss = 0L;
        long firstConnect = Long.MAX_VALUE;
        long lastSubscribe = 0;
        for (WorkerResult r : results) {
            firstConnect = Math.min(firstConnect, r.connectStartNanos());
            if (r.everReady() > 0) {
                lastSubscribe = Math.max(lastSubscribe, r.lastFirstSubscribeNanos());
            }
            clientRss = clientRss == null || r.rssBytes() == null ? null : clientRss + r.rssBytes();
            connect.add(Histograms.decode(r.connectHistogram()));
            latency.add(Histograms.decode(r.latencyHistogram()));
            r.failures().forEach((k, v) -> failed.merge(k, v, Long::sum));
            attempted += r.attempted();
            everReady += r.everReady();
            deliveries += r.deliveries();
            duplicates += r.duplicates();
            outOfOrder += r.outOfOrder();
            unexpected += r.unexpected();
            requests += r.requests();
            sockets += r.sockets();
            held += r.held();
        }
        long failedTotal = failed.values().stream().mapToLong(Long::longValue).sum();
        Double connectSeconds = lastSubscribe == 0 ? null : Math.max(1e-6, (lastSubscribe - firstConnect) / 1e9);
        BenchReport.Connections connections = new BenchReport.Connections(options.connections(), attempted, standing,
                everReady, failed, failedTotal, BenchReport.LatencySummary.of(connect), connectSeconds,
                connectSeconds == null ? null : everReady / connectSeconds, options.http2() ? sockets : null,
                SubscriberPool.holdsStreams(options) ? held : null);

        BenchReport.Publish publish = null;
        BenchReport.Delivery delivery = null;
        if (published != null) {
            publish = new BenchReport.Publish(published.offered(), published.sent(), published.accepted(), published.notSent(),
                    published.failures(), deliverySeconds > 0 ? published.accepted() / deliverySeconds : null);
            delivery = options.scenario() == Scenario.FANOUT
                    ? fanoutDelivery(results, readyPerChannel, accepted, sendNanos, latency, duplicates, outOfOrder, unexpected, deliverySeconds)
                    : mailboxDelivery(results, accepted, targets, latency, duplicates, outOfOrder, unexpected, deliverySeconds);
        }
        BenchReport.Requests polls = options.transport().polls()
                ? new BenchReport.Requests(requests, requests / taken) : null;
        BenchReport.Server server = new BenchReport.Server(options.serverPids(), before.rssBytes(), loaded.rssBytes(),
                after.rssBytes(), before.cpuSeconds() == null || after.cpuSeconds() == null ? null : after.cpuSeconds() - before.cpuSeconds(),
                perConnection(before.rssBytes(), loaded.rssBytes(), standing),
                before.heapUsedBytes(), loaded.heapUsedBytes(), perConnection(before.heapUsedBytes(), loaded.heapUsedBytes(), standing));
        log.info("event=bench_done scenario={} standing={} failed={} deliveries={}", options.scenario().word(), standing,
                failedTotal, deliveries);
        return new BenchReport(BenchReport.SCHEMA, options.scenario().word(), options.transport().word(), options.protocol(),
                options.http2() ? options.streamsPerConnection() : null, options.connections(),
                options.procs(), options.subUrl(), published == null ? null : publishTarget(), startedAt, taken, connections,
                publish, delivery, polls, server,
                new BenchReport.Client(clientRss, clientRss == null || standing == 0 ? null : clientRss / standing), steps,
                List.copyOf(timeline));
    }

    private String publishTarget() {
        return options.pubMegacomet().isEmpty() ? options.pubMethod() + " " + options.pubUrl() : "megacomet://" + options.pubMegacomet();
    }

    private static Long perConnection(Long before, Long loaded, long standing) {
        return before == null || loaded == null || standing == 0 ? null : (loaded - before) / standing;
    }

    /**
     * Every accepted message has one recipient. One that did not arrive is lost, unless its client
     * never subscribed at all (refused, timed out, never connected): the server could not deliver
     * it, so it is counted apart and left out of {@code expected}.
     */
    private static BenchReport.Delivery mailboxDelivery(List<WorkerResult> results, BitSet accepted, int[] targets,
            Histogram latency, long duplicates, long outOfOrder, long unexpected, double seconds) {
        BitSet delivered = new BitSet();
        BitSet neverSubscribed = new BitSet();
        for (WorkerResult r : results) {
            delivered.or(BitSet.valueOf(DeliveryLedger.decodeBits(r.deliveredBits())));
            neverSubscribed.or(BitSet.valueOf(DeliveryLedger.decodeBits(r.neverSubscribedBits())));
        }
        BitSet got = (BitSet) delivered.clone();
        got.and(accepted);
        long ok = got.cardinality();
        long unreachable = 0;
        for (int m = accepted.nextSetBit(0); m >= 0; m = accepted.nextSetBit(m + 1)) {
            if (!delivered.get(m) && m < targets.length && neverSubscribed.get(targets[m])) {
                unreachable++;
            }
        }
        long expected = accepted.cardinality() - unreachable;
        // A marker for a message whose publish was not answered 2xx was still measured; it is "unexpected".
        BitSet stray = (BitSet) delivered.clone();
        stray.andNot(accepted);
        return new BenchReport.Delivery(expected, ok, expected - ok, unreachable, duplicates, outOfOrder,
                unexpected + stray.cardinality(), seconds > 0 ? ok / seconds : null, BenchReport.LatencySummary.of(latency), null);
    }

    private BenchReport.Delivery fanoutDelivery(List<WorkerResult> results, int[] readyPerChannel, BitSet accepted,
            long[] sendNanos, Histogram latency, long duplicates, long outOfOrder, long unexpected, double seconds) {
        int messages = sendNanos.length;
        int[] counts = new int[messages];
        long[] last = new long[messages];
        for (WorkerResult r : results) {
            for (int i = 0; i < Math.min(messages, r.fanoutCounts().length); i++) {
                counts[i] += r.fanoutCounts()[i];
                last[i] = Math.max(last[i], r.fanoutLastNanos()[i]);
            }
        }
        long expected = 0;
        long delivered = 0;
        long stray = 0;
        Histogram lastSubscriber = Histograms.micros();
        for (int i = 0; i < messages; i++) {
            int want = readyPerChannel.length == 0 ? 0 : readyPerChannel[i % options.channels()];
            if (!accepted.get(i)) {
                stray += counts[i];
                continue;
            }
            expected += want;
            delivered += Math.min(want, counts[i]);
            stray += Math.max(0, counts[i] - want);
            if (want > 0 && counts[i] >= want) {
                lastSubscriber.recordValue(Histograms.clampMicros(last[i] - sendNanos[i]));
            }
        }
        return new BenchReport.Delivery(expected, delivered, expected - delivered, null, duplicates, outOfOrder, unexpected + stray,
                seconds > 0 ? delivered / seconds : null, BenchReport.LatencySummary.of(latency),
                BenchReport.LatencySummary.of(lastSubscriber));
    }
}
