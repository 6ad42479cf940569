package dev.halley.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.halley.broker.BrokerOptions;
import dev.halley.broker.LocalBroker;
import dev.halley.edge.HalleyServer;
import dev.halley.edge.ServerOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The dashboard, {@code halley.js} and the demo in a real browser: runs
 * {@code src/test/browser/browser-tests.mjs} (Node + playwright-core driving Debian's chromium)
 * against a server started here, and requires every check in it to pass. A missing node, chromium
 * or {@code npm ci} is a failure with the command that fixes it, never a skip.
 */
class BrowserTest {

    private static final Path SCRIPT_DIR = Path.of("src/test/browser");
    private static final Path SCREENSHOT = Path.of("target/dashboard.png");

    @Test
    void dashboardDemoAndClientWorkInChromium() throws Exception {
        requireTools();
        try (HalleyServer server = HalleyServer.start(ServerOptions.DEFAULTS.withPort(0).withLoops(2),
                shards -> new LocalBroker(shards, BrokerOptions.DEFAULTS, Clock.systemUTC()))) {
            Path log = Files.createTempFile("halley-browser", ".log");
            Process node = new ProcessBuilder("node", SCRIPT_DIR.resolve("browser-tests.mjs").toString(),
                    Integer.toString(server.port()), SCREENSHOT.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!node.waitFor(4, TimeUnit.MINUTES)) {
                node.destroyForcibly();
                fail("browser tests did not finish in 4 minutes:\n" + Files.readString(log));
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            Files.delete(log);
            assertThat(node.exitValue()).as(output).isZero();
            assertThat(output).contains("ok - dashboard shows live numbers")
                    .contains("ok - demo delivers chat and inbox over ws")
                    .contains("ok - demo delivers chat and inbox over sse")
                    .contains("ok - demo delivers chat and inbox over longpoll")
                    .contains("ok - a page reload resumes")
                    .contains("ok - a cursor from before a server restart surfaces a gap")
                    .contains("falls back to SSE when WebSocket is refused")
                    .doesNotContain("not ok")
                    .containsPattern("browser: [1-9][0-9]* passed, 0 failed");
            assertThat(SCREENSHOT).isNotEmptyFile();
        }
    }

    private static void requireTools() throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of("/usr/bin/chromium"))) {
            fail("chromium is missing: apt-get install -y chromium (.ci/run installs it)");
        }
        Process version;
        try {
            version = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("node is missing: apt-get install -y nodejs npm (.ci/run installs it)", e);
        }
        if (!version.waitFor(30, TimeUnit.SECONDS) || version.exitValue() != 0) {
            fail("node --version failed");
        }
        if (!Files.isDirectory(SCRIPT_DIR.resolve("node_modules/playwright-core"))) {
            fail("playwright-core is not installed: (cd server/src/test/browser && npm ci) (.ci/run does it)");
        }
    }
}
