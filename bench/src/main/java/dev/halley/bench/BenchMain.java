package dev.halley.bench;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * {@code java -cp halley.jar dev.halley.bench.BenchMain <bench options>}: the bench on its own,
 * as its child processes run it; {@code halley bench} is the same command inside the CLI.
 */
public final class BenchMain {

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

    private BenchMain() {
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The bench command with its duration converter ({@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 1d}). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new BenchCommand());
        cl.registerConverter(Duration.class, BenchMain::duration);
        return cl;
    }

    /** Durations as the server's options take them, so one way of writing them works everywhere. */
    static Duration duration(String text) {
        Matcher m = DURATION.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("a duration is a number with a unit ms, s, m, h or d (e.g. 500ms, 30s), got '" + text + "'");
        }
        ChronoUnit unit = switch (m.group(2)) {
            case "ms" -> ChronoUnit.MILLIS;
            case "s" -> ChronoUnit.SECONDS;
            case "m" -> ChronoUnit.MINUTES;
            case "h" -> ChronoUnit.HOURS;
            default -> ChronoUnit.DAYS;
        };
        return Duration.of(Long.parseLong(m.group(1)), unit);
    }
}
