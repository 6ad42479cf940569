package dev.halley.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.halley.auth.Security;
import dev.halley.edge.ServerOptions;
import dev.halley.testing.MercureJwt;
import dev.halley.testing.SelfSignedCert;
import dev.halley.testing.TestServer;
import dev.halley.transport.mercure.MercureOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Why HTTP/2 matters to SSE, shown in a real browser: over https with a self-signed certificate
 * made here, a page opens 12 EventSources to one origin. Over HTTP/2 all 12 share one connection
 * and receive an update published afterwards; over HTTP/1.1 the browser's six connections per
 * origin are all taken and the 7th stalls. Runs {@code src/test/browser/many-eventsources.mjs}
 * (Node + playwright-core driving Debian's chromium); a missing tool is a failure, never a skip.
 */
class ManyEventSourcesBrowserTest {

    private static final Path SCRIPT_DIR = Path.of("src/test/browser");

    @Test
    void twelveEventSourcesAllReceiveOverH2AndTheSeventhStallsOverHttp11(@TempDir Path dir) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/chromium"))) {
            fail("chromium is missing: apt-get install -y chromium (.ci/run installs it)");
        }
        if (!Files.isDirectory(SCRIPT_DIR.resolve("node_modules/playwright-core"))) {
            fail("playwright-core is not installed: (cd server/src/test/browser && npm ci) (.ci/run does it)");
        }
        SelfSignedCert cert = SelfSignedCert.make(dir);
        ServerOptions options = ServerOptions.DEFAULTS.withLoops(2)
                .withSecurity(new Security(List.of(), null, List.of(), cert.cert(), cert.key(), null))
                .withMercure(new MercureOptions(MercureJwt.KEY, null, true));
        try (TestServer h2 = TestServer.start(options);
             TestServer h1 = TestServer.start(options.withHttp2(Http2Options.OFF))) {
            Path log = dir.resolve("browser.log");
            Process node = new ProcessBuilder("node", SCRIPT_DIR.resolve("many-eventsources.mjs").toString(),
                    Integer.toString(h2.port()), Integer.toString(h1.port()), MercureJwt.publisher("*"))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!node.waitFor(2, TimeUnit.MINUTES)) {
                node.destroyForcibly();
                fail("the browser test did not finish in 2 minutes:\n" + Files.readString(log));
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertThat(node.exitValue()).as(output).isZero();
            assertThat(output).contains("ok - over h2 all 12 EventSources received the update")
                    .contains("ok - over http/1.1 only 6 EventSources opened: the 7th stalls")
                    .doesNotContain("not ok")
                    .contains("browser: 7 passed, 0 failed");
        }
    }
}
