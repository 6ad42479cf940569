package dev.halley.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halley.edge.AcceptMode;
import dev.halley.edge.ServerOptions;
import dev.halley.testing.TestServer;
import dev.halley.transport.Durations;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CommandLineTest {

    @Test
    void serverOptionsComeFromTheCommandLineThenTheEnvironmentThenTheConfigFile(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("halley.properties");
        Files.writeString(config, "mailbox-ttl=90s\nport=9999\nloops=3\nmegacomet-worker-ports=7000-7002\n");
        String[] args = {"server", "--config", config.toString(), "--loops", "5", "--accept", "single", "--max-fanout-waiting", "1234"};
        CommandLine cl = new CommandLine(new Halley());
        cl.registerConverter(Duration.class, Durations::parse);
        cl.setDefaultValueProvider(ConfigDefaults.from(args, Map.of("HALLEY_PORT", "7777")));
        CommandLine.ParseResult parsed = cl.parseArgs(args);
        ServerOptions options = ((ServerCommand) parsed.subcommand().commandSpec().userObject()).options();

        assertThat(options.loops()).as("command line").isEqualTo(5);
        assertThat(options.port()).as("environment over file").isEqualTo(7777);
        assertThat(options.broker().mailbox().timeToLive()).as("file").isEqualTo(Duration.ofSeconds(90));
        assertThat(options.megacomet().workerPorts()).containsExactly(7000, 7001, 7002);
        assertThat(options.acceptMode()).isEqualTo(AcceptMode.SINGLE);
        assertThat(options.limits().maxFanoutWaiting()).isEqualTo(1234);
        assertThat(options.broker().channel().maxMessages()).as("annotated default").isEqualTo(100);
    }

    @Test
    void badOptionsAreRefusedWithTheRule() {
        assertThat(run("server", "--mailbox-ttl", "0s")).contains("time to live must be between 1ms and 7d, got PT0S");
        assertThat(run("server", "--mailbox-ttl", "soon")).contains("a duration is a number with a unit");
        assertThat(run("server", "--accept", "sometimes")).contains("--accept must be reuseport or single");
        assertThat(run("server", "--poll-timeout", "5m")).contains("poll timeout must be between 1ms and 2m, got 5m");
        assertThat(run("server", "--max-connections", "0")).contains("max connections must be between 1 and 100000000, got 0");
        assertThat(run("server", "--max-fanout-waiting", "0")).contains("max fan-out waiting must be between 1 and 1000000000, got 0");
        assertThat(run("server", "--megacomet-worker-ports", "8007-8000")).contains("a port range is low-high");
        assertThat(run("server", "--pusher-app", "id:key")).contains("a Pusher app is id:key:secret[:flag...], got 2 fields");
        assertThat(run("server", "--pusher-app", "id:key:short")).contains("a Pusher app secret must be at least 16 characters, got 5");
        assertThat(run("server", "--pusher-app", "id:key:secret-0123456789:loud")).contains("a Pusher app's flags are client-events");
        assertThat(run("server", "--pusher-app", "a:k:secret-0123456789,a:j:secret-0123456789"))
                .contains("Pusher app ids must be unique, 'a' is given twice");
    }

    @Test
    void publishPrintsTheServersAnswerAndFailsOnAnError() {
        try (TestServer s = TestServer.start()) {
            String url = "http://127.0.0.1:" + s.port();
            StringWriter out = new StringWriter();
            int code = Halley.commandLine(new String[0]).setOut(new PrintWriter(out))
                    .execute("publish", "--url", url, "--client", "zoe", "hi zoe");
            assertThat(code).isZero();
            assertThat(out.toString()).contains("\"client\":\"zoe\"");
            assertThat(TestServer.json(s.get("/sub/client/zoe?timeout=1s").body()).at("/messages/0/data").asText()).isEqualTo("hi zoe");

            StringWriter err = new StringWriter();
            code = Halley.commandLine(new String[0]).setErr(new PrintWriter(err))
                    .execute("publish", "--url", url, "--channel", "c", "--json", "{broken");
            assertThat(code).isEqualTo(1);
            assertThat(err.toString()).contains("HTTP 400").contains("not valid JSON");
        }
    }

    @Test
    void jsonLogsAreOneObjectPerLineOnStderr() throws Exception {
        Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.halley.cli.Halley",
                "server", "--bind", "127.0.0.1", "--port", "0", "--loops", "1", "--log-format", "json").start();
        try (BufferedReader err = new BufferedReader(new InputStreamReader(server.getErrorStream(), StandardCharsets.UTF_8))) {
            JsonNode started = TestServer.json(err.readLine());
            assertThat(started.get("level").asText()).isEqualTo("INFO");
            assertThat(started.get("loggerName").asText()).isEqualTo("dev.halley.edge.HalleyServer");
            assertThat(started.get("formattedMessage").asText()).startsWith("event=started bind=127.0.0.1 port=");
        } finally {
            server.destroy();
            assertThat(server.waitFor(10, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
        }
    }

    private static String run(String... args) {
        StringWriter err = new StringWriter();
        int code = Halley.commandLine(args).setErr(new PrintWriter(err)).execute(args);
        assertThat(code).isEqualTo(2);
        return err.toString();
    }
}
