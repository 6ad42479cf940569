package dev.halley.bench;

import java.util.Locale;
import java.util.Map;

/** The ab-style summary printed at the end of a run. Times in tables are milliseconds. */
final class TextReport {

    private TextReport() {
    }

    static String render(BenchReport r) {
        StringBuilder b = new StringBuilder();
        line(b, "Scenario:", r.scenario());
        line(b, "Transport:", r.transport() + " over " + r.protocol()
                + (r.streamsPerConnection() == null ? "" : ", " + r.streamsPerConnection() + " streams per connection"));
        line(b, "Subscribe URL:", r.subUrl());
        if (r.pubUrl() != null) {
            line(b, "Publish:", r.pubUrl());
        }
        line(b, "Concurrency Level:", Integer.toString(r.concurrency()));
        line(b, "Processes:", Integer.toString(r.procs()));
        line(b, "Time taken for run:", fmt("%.3f seconds", r.timeTakenSeconds()));
        BenchReport.Connections c = r.connections();
        line(b, "Connections standing:", c.standing() + " of " + c.target() + " (" + c.everSubscribed() + " subscribed at least once)");
        line(b, "Failed connections:", c.failedTotal() + causes(c.failed()));
        if (c.sockets() != null) {
            line(b, "Sockets:", c.sockets() + " carried the " + c.target() + " subscriber streams");
        }
        if (c.heldOutsideNetty() != null) {
            line(b, "Held outside Netty:", c.heldOutsideNetty() + " of the " + c.standing() + " standing");
        }
        line(b, "Subscribed per second:", c.subscribedPerSecond() == null ? "-"
                : fmt("%.2f [#/sec] (%d in %.3f seconds)", c.subscribedPerSecond(), c.everSubscribed(), c.connectSeconds()));
        if (r.publish() != null) {
            BenchReport.Publish p = r.publish();
            line(b, "Messages published:", p.offered() + " offered, " + p.accepted() + " accepted, " + p.notSent() + " not sent"
                    + ", failed" + causes(p.failed()));
            line(b, "Publishes per second:", p.acceptedPerSecond() == null ? "-" : fmt("%.2f [#/sec] (accepted)", p.acceptedPerSecond()));
        }
        if (r.delivery() != null) {
            BenchReport.Delivery d = r.delivery();
            line(b, "Deliveries:", d.expected() + " expected, " + d.delivered() + " delivered, " + d.lost() + " lost, "
                    + d.duplicated() + " duplicated, " + d.outOfOrder() + " out of order, " + d.unexpected() + " unexpected");
            if (d.addressedToNeverSubscribed() != null) {
                line(b, "Not deliverable:", d.addressedToNeverSubscribed() + " addressed to clients that never subscribed (not counted as lost)");
            }
            line(b, "Deliveries per second:", d.deliveriesPerSecond() == null ? "-" : fmt("%.2f [#/sec] (mean)", d.deliveriesPerSecond()));
        }
        if (r.requests() != null) {
            line(b, "Requests (polls):", Long.toString(r.requests().completed()));
            line(b, "Requests per second:", r.requests().perSecond() == null ? "-" : fmt("%.2f [#/sec] (mean)", r.requests().perSecond()));
        }
        BenchReport.Server s = r.server();
        if (s.rssLoadedBytes() != null) {
            line(b, "Server RSS:", mib(s.rssBeforeBytes()) + " before, " + mib(s.rssLoadedBytes()) + " loaded, "
                    + mib(s.rssAfterBytes()) + " after");
            line(b, "Server bytes/connection:", s.bytesPerConnection() == null ? "-" : s.bytesPerConnection() + " (RSS)");
            line(b, "Server CPU time:", s.cpuSeconds() == null ? "-" : fmt("%.2f seconds", s.cpuSeconds()));
        }
        if (s.heapUsedLoadedBytes() != null) {
            line(b, "Server heap used:", mib(s.heapUsedBeforeBytes()) + " before, " + mib(s.heapUsedLoadedBytes()) + " loaded"
                    + (s.heapBytesPerConnection() == null ? "" : ", " + s.heapBytesPerConnection() + " bytes/connection"));
        }
        if (r.client().rssBytes() != null) {
            line(b, "Bench RSS:", mib(r.client().rssBytes()) + " in " + r.procs() + " process(es)"
                    + (r.client().bytesPerConnection() == null ? "" : ", " + r.client().bytesPerConnection() + " bytes/connection"));
        }
        for (BenchReport.Step step : r.steps()) {
            b.append(fmt("Step: offered %d/s  sustained %.1f/s  deliveries %.1f/s  (%.1f s)%n", step.offeredPerSecond(),
                    step.sustainedPerSecond(), step.deliveriesPerSecond(), step.seconds()));
        }
        b.append(System.lineSeparator()).append("Times (ms)").append(System.lineSeparator());
        b.append(fmt("%-14s %9s %9s %7s %9s %9s%n", "", "min", "mean", "[+/-sd]", "median", "max"));
        row(b, "Connect:", c.connectTimeMicros());
        if (r.delivery() != null) {
            row(b, "Latency:", r.delivery().latencyMicros());
            if (r.delivery().lastSubscriberLatencyMicros() != null) {
                row(b, "Last subscr.:", r.delivery().lastSubscriberLatencyMicros());
            }
        }
        BenchReport.LatencySummary table = r.delivery() != null ? r.delivery().latencyMicros() : c.connectTimeMicros();
        b.append(System.lineSeparator()).append(r.delivery() != null
                ? "Percentage of deliveries within a certain time (ms)" : "Percentage of connections subscribed within a certain time (ms)")
                .append(System.lineSeparator());
        if (table.count() == 0) {
            b.append("  (nothing measured)").append(System.lineSeparator());
        }
        for (Map.Entry<String, Long> e : table.percentiles().entrySet()) {
            b.append(fmt("%7s%% %10.3f%n", e.getKey(), e.getValue() / 1000.0));
        }
        return b.toString();
    }

    private static void row(StringBuilder b, String name, BenchReport.LatencySummary l) {
        if (l.count() == 0) {
            b.append(fmt("%-14s %9s%n", name, "-"));
            return;
        }
        b.append(fmt("%-14s %9.3f %9.3f %7.1f %9.3f %9.3f%n", name, l.min() / 1000.0, l.mean() / 1000.0, l.stdDev() / 1000.0,
                l.median() / 1000.0, l.max() / 1000.0));
    }

    private static String causes(Map<String, Long> failed) {
        return " (connect " + failed.getOrDefault("connect", 0L) + ", timeout " + failed.getOrDefault("timeout", 0L)
                + ", reset " + failed.getOrDefault("reset", 0L) + ", non-2xx " + failed.getOrDefault("non2xx", 0L)
                + ", length/parse " + failed.getOrDefault("parse", 0L) + ")";
    }

    private static String mib(Long bytes) {
        return bytes == null ? "-" : fmt("%.1f MiB", bytes / 1048576.0);
    }

    private static void line(StringBuilder b, String name, String value) {
        b.append(fmt("%-25s%s%n", name, value));
    }

    private static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
