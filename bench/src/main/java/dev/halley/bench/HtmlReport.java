package dev.halley.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A self-contained HTML page of a run: the text summary and inline SVG charts (no scripts, no
 * external resources — it must open on a machine without internet).
 */
final class HtmlReport {

    private static final int WIDTH = 720;
    private static final int HEIGHT = 260;
    private static final int PAD = 50;
    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd"};

    /** One line of a chart: its name and its points. */
    record Series(String name, double[] x, double[] y) {
    }

    private HtmlReport() {
    }

    static String render(BenchReport r) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>halley bench: ").append(esc(r.scenario()))
                .append("</title><style>body{font-family:sans-serif;margin:2em}pre{background:#f6f6f6;padding:1em}"
                        + "svg{border:1px solid #ddd;margin:1em 0}</style></head><body>");
        b.append("<h1>halley bench — ").append(esc(r.scenario())).append(" over ").append(esc(r.transport())).append(" (").append(esc(r.protocol())).append(")</h1>");
        b.append("<pre>").append(esc(TextReport.render(r))).append("</pre>");
        int n = r.timeline().size();
        double[] t = new double[n];
        double[] standing = new double[n];
        double[] deliveries = new double[n];
        double[] publishes = new double[n];
        for (int i = 0; i < n; i++) {
            BenchReport.Sample s = r.timeline().get(i);
            t[i] = s.second();
            standing[i] = s.standing();
            deliveries[i] = s.deliveriesPerSecond();
            publishes[i] = s.publishesPerSecond();
        }
        b.append(chart("Connections standing over time", "seconds", "connections", List.of(new Series("standing", t, standing))));
        if (r.publish() != null) {
            b.append(chart("Messages per second over time", "seconds", "messages/s",
                    List.of(new Series("deliveries/s", t, deliveries), new Series("publishes/s (accepted)", t, publishes))));
        }
        List<Series> percentiles = new ArrayList<>();
        percentiles.add(percentileSeries("connect", r.connections().connectTimeMicros()));
        if (r.delivery() != null) {
            percentiles.add(percentileSeries("delivery latency", r.delivery().latencyMicros()));
            if (r.delivery().lastSubscriberLatencyMicros() != null) {
                percentiles.add(percentileSeries("last subscriber", r.delivery().lastSubscriberLatencyMicros()));
            }
        }
        b.append(chart("Latency by percentile (x: -log10(1 - p/100), so 90% = 1, 99% = 2, 99.9% = 3)", "percentile",
                "milliseconds", percentiles));
        if (r.steps().size() > 1) {
            int k = r.steps().size();
            double[] offered = new double[k];
            double[] sustained = new double[k];
            double[] delivered = new double[k];
            for (int i = 0; i < k; i++) {
                offered[i] = r.steps().get(i).offeredPerSecond();
                sustained[i] = r.steps().get(i).sustainedPerSecond();
                delivered[i] = r.steps().get(i).deliveriesPerSecond();
            }
            b.append(chart("Offered vs sustained publish rate", "offered publishes/s", "per second",
                    List.of(new Series("offered", offered, offered), new Series("sustained (accepted)", offered, sustained),
                            new Series("deliveries/s", offered, delivered))));
        }
        b.append("</body></html>\n");
        return b.toString();
    }

    private static Series percentileSeries(String name, BenchReport.LatencySummary l) {
        List<double[]> points = new ArrayList<>();
        for (Map.Entry<String, Long> e : l.percentiles().entrySet()) {
            double p = Double.parseDouble(e.getKey());
            // 100% would be infinitely far right on this axis; it is drawn at 5 (99.999%).
            double x = p >= 100 ? 5 : -Math.log10(1 - p / 100);
            points.add(new double[] {x, e.getValue() / 1000.0});
        }
        double[] x = new double[points.size()];
        double[] y = new double[points.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = points.get(i)[0];
            y[i] = points.get(i)[1];
        }
        return new Series(name, x, y);
    }

    static String chart(String title, String xLabel, String yLabel, List<Series> series) {
        double maxX = 0;
        double maxY = 0;
        double minX = Double.MAX_VALUE;
        for (Series s : series) {
            for (double v : s.x()) {
                maxX = Math.max(maxX, v);
                minX = Math.min(minX, v);
            }
            for (double v : s.y()) {
                maxY = Math.max(maxY, v);
            }
        }
        if (minX == Double.MAX_VALUE || maxX <= minX) {
            minX = 0;
            maxX = Math.max(1, maxX);
        }
        maxY = maxY <= 0 ? 1 : maxY * 1.05;
        StringBuilder b = new StringBuilder();
        b.append("<h2>").append(esc(title)).append("</h2>");
        b.append(fmt("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">",
                WIDTH, HEIGHT + 40, WIDTH, HEIGHT + 40));
        int plotW = WIDTH - 2 * PAD;
        int plotH = HEIGHT - PAD;
        b.append(fmt("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", PAD, 10 + plotH, PAD + plotW, 10 + plotH));
        b.append(fmt("<line x1=\"%d\" y1=\"10\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", PAD, PAD, 10 + plotH));
        for (int i = 0; i <= 4; i++) {
            double v = maxY * i / 4;
            int y = 10 + plotH - plotH * i / 4;
            b.append(fmt("<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\">%s</text>", PAD - 4, y + 3, num(v)));
            double xv = minX + (maxX - minX) * i / 4;
            int x = PAD + plotW * i / 4;
            b.append(fmt("<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s</text>", x, 24 + plotH, num(xv)));
        }
        b.append(fmt("<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>", PAD + plotW / 2, 38 + plotH, esc(xLabel)));
        b.append(fmt("<text x=\"12\" y=\"%d\" font-size=\"11\" transform=\"rotate(-90 12 %d)\" text-anchor=\"middle\">%s</text>",
                10 + plotH / 2, 10 + plotH / 2, esc(yLabel)));
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            String colour = COLOURS[k % COLOURS.length];
            StringBuilder points = new StringBuilder();
            for (int i = 0; i < s.x().length; i++) {
                double px = PAD + plotW * (s.x()[i] - minX) / (maxX - minX);
                double py = 10 + plotH - plotH * s.y()[i] / maxY;
                points.append(fmt("%.1f,%.1f ", px, py));
            }
            b.append(fmt("<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>", colour, points.toString().trim()));
            b.append(fmt("<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"%s\">%s</text>", PAD + 10, 24 + 14 * k, colour, esc(s.name())));
        }
        b.append("</svg>");
        return b.toString();
    }

    private static String num(double v) {
        return Math.abs(v) >= 100 || v == Math.rint(v) ? fmt("%.0f", v) : fmt("%.2f", v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
