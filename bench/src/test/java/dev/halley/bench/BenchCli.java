package dev.halley.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** Runs {@code halley bench} in this JVM as the CLI would, and reads its JSON report. */
final class BenchCli {

    static final ObjectMapper JSON = new ObjectMapper();

    /** The exit code and the error output of one run. */
    record Outcome(int exitCode, String err) {
    }

    private BenchCli() {
    }

    static Outcome execute(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = BenchMain.commandLine();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Outcome(code, err.toString());
    }

    /** Runs to completion (exit 0 expected) and returns the JSON report. */
    static JsonNode run(Path dir, String... args) {
        Path json = dir.resolve("report-" + System.nanoTime() + ".json");
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--json");
        all.add(json.toString());
        all.add("--max-time");
        all.add("2m");
        if (!all.contains("--grace")) {
            // The wait for the last deliveries ends as soon as everything arrived; a long one only
            // keeps a CPU-starved machine (CI shares it) from turning a slow delivery into "lost".
            all.add("--grace");
            all.add("20s");
        }
        Outcome o = execute(all.toArray(String[]::new));
        assertThat(o.exitCode()).as("exit code, stderr: %s", o.err()).isZero();
        try {
            return JSON.readTree(Files.readString(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asserts a mailbox or fanout run lost nothing, duplicated nothing, and its figures add up. */
    static void assertNothingLost(JsonNode r) {
        JsonNode d = r.path("delivery");
        JsonNode p = r.path("publish");
        assertThat(p.path("offered").asLong()).isPositive();
        assertThat(p.path("accepted").asLong()).as("accepted publishes").isEqualTo(p.path("offered").asLong());
        assertThat(d.path("expected").asLong()).isPositive();
        assertThat(d.path("lost").asLong()).as("lost").isZero();
        assertThat(d.path("addressedToNeverSubscribed").asLong()).as("addressed to clients that never subscribed").isZero();
        assertThat(d.path("duplicated").asLong()).as("duplicated").isZero();
        assertThat(d.path("unexpected").asLong()).as("unexpected").isZero();
        assertThat(d.path("delivered").asLong() + d.path("lost").asLong()).isEqualTo(d.path("expected").asLong());
        assertThat(d.path("latencyMicros").path("count").asLong()).isEqualTo(d.path("delivered").asLong());
        assertThat(r.path("connections").path("failedTotal").asLong()).as("failed connections").isZero();
    }
}
