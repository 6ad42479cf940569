package dev.halley.pusher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.halley.broker.BrokerOptions;
import dev.halley.broker.LocalBroker;
import dev.halley.edge.HalleyServer;
import dev.halley.edge.ServerOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The real Pusher clients from npm against a node in Pusher-compatible mode: runs
 * {@code server/src/test/pusher/pusher-tests.mjs} (pusher-js and laravel-echo in Node, the official
 * {@code pusher} server SDK for the HTTP API and every signature) and requires every check in it
 * to pass. A missing node or {@code npm ci} is a failure with the command that fixes it, never a skip.
 */
class PusherClientsTest {

    private static final Path SCRIPT_DIR = Path.of("src/test/pusher");
    static final PusherApp APP = new PusherApp("1001", "app-key", "app-secret-0123456789", true,
            PusherApp.DEFAULT_MAX_EVENT_BYTES, PusherApp.DEFAULT_MAX_CONNECTIONS, null);
    static final PusherApp OTHER = new PusherApp("1002", "other-key", "other-secret-0123456789", false,
            PusherApp.DEFAULT_MAX_EVENT_BYTES, PusherApp.DEFAULT_MAX_CONNECTIONS, null);

    @Test
    void pusherJsLaravelEchoAndTheServerSdkWork() throws Exception {
        requireTools();
        int webhookPort;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            webhookPort = free.getLocalPort();
        }
        PusherApp withWebhook = new PusherApp(APP.id(), APP.key(), APP.secret(), APP.clientEvents(), APP.maxEventBytes(),
                APP.maxConnections(), URI.create("http://127.0.0.1:" + webhookPort + "/pusher/webhooks"));
        PusherApps apps = new PusherApps(List.of(withWebhook, OTHER));
        try (HalleyServer server = HalleyServer.start(ServerOptions.DEFAULTS.withPort(0).withBind("127.0.0.1").withLoops(2),
                shards -> new LocalBroker(shards, BrokerOptions.DEFAULTS, Clock.systemUTC()),
                hub -> new PusherGateway(hub, apps, Clock.systemUTC()))) {
            Path log = Files.createTempFile("halley-pusher", ".log");
            Process node = new ProcessBuilder("node", SCRIPT_DIR.resolve("pusher-tests.mjs").toString(),
                    Integer.toString(server.port()), APP.id(), APP.key(), APP.secret(), OTHER.id(), OTHER.key(), OTHER.secret(),
                    Integer.toString(webhookPort))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!node.waitFor(4, TimeUnit.MINUTES)) {
                node.destroyForcibly();
                fail("pusher client tests did not finish in 4 minutes:\n" + Files.readString(log));
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            Files.delete(log);
            assertThat(node.exitValue()).as(output).isZero();
            assertThat(output).as(output)
                    .contains("ok - public channel delivers an event triggered through the HTTP API")
                    .contains("ok - private channel signed by the server SDK delivers")
                    .contains("ok - private-encrypted channel: the SDK encrypts, Halley relays untouched, pusher-js decrypts")
                    .contains("ok - presence: member list, member_added, member_removed, one member per user id")
                    .contains("ok - client events reach the others on a private channel, never the sender")
                    .contains("ok - cache channel: the last event on subscribe, or pusher:cache_miss")
                    .contains("ok - pusher-js reconnects after the connection is cut and resubscribes")
                    .contains("ok - laravel-echo: channel().listen(), private(), join().here().joining().leaving()")
                    .contains("ok - pusher-js in chromium: public, private and presence channels, client events")
                    .contains("ok - webhooks: occupied, member_added, client_event, member_removed, vacated, signed as the SDK checks")
                    .doesNotContain("not ok")
                    .containsPattern("pusher: [1-9][0-9]* passed, 0 failed");
        }
    }

    private static void requireTools() throws IOException, InterruptedException {
        Process version;
        try {
            version = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("node is missing: apt-get install -y nodejs npm (.ci/run installs it)", e);
        }
        if (!version.waitFor(30, TimeUnit.SECONDS) || version.exitValue() != 0) {
            fail("node --version failed");
        }
        for (String module : List.of("pusher-js", "pusher", "laravel-echo")) {
            if (!Files.isDirectory(SCRIPT_DIR.resolve("node_modules").resolve(module))) {
                fail(module + " is not installed: (cd server/src/test/pusher && npm ci) (.ci/run does it)");
            }
        }
    }
}
