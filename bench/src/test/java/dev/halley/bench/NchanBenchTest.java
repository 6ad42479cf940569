package dev.halley.bench;

import static dev.halley.bench.BenchCli.assertNothingLost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same bench runs driving a real nginx + nchan (started here from a temporary config), with
 * URL templates instead of Halley's API. nchan delivers the payload raw, not in an envelope.
 */
class NchanBenchTest {

    private static final List<String> NGINX = List.of("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx");

    @TempDir
    static Path nginxDir;

    @TempDir
    Path dir;

    private static Process nginx;
    private static String base;

    @BeforeAll
    static void startNginx() throws IOException, InterruptedException {
        String binary = NGINX.stream().filter(p -> Files.isExecutable(Path.of(p))).findFirst()
                .orElseGet(() -> fail("nginx is not installed (looked at " + NGINX + "); .ci/run installs nginx and libnginx-mod-nchan"));
        String module = nchanModule().orElseGet(() -> fail(
                "the nchan module is not installed (no ngx_nchan_module.so under /usr/lib/nginx/modules or in "
                        + "/usr/share/nginx/modules-available); install libnginx-mod-nchan"));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path conf = nginxDir.resolve("nginx.conf");
        Files.writeString(conf, """
                load_module %1$s;
                daemon off;
                pid %2$s/nginx.pid;
                error_log %2$s/error.log;
                events { worker_connections 4096; }
                http {
                  access_log off;
                  client_body_temp_path %2$s/body;
                  proxy_temp_path %2$s/proxy;
                  fastcgi_temp_path %2$s/fastcgi;
                  uwsgi_temp_path %2$s/uwsgi;
                  scgi_temp_path %2$s/scgi;
                  server {
                    listen 127.0.0.1:%3$d;
                    location = /sub { nchan_subscriber; nchan_channel_id $arg_id; nchan_subscriber_first_message oldest; }
                    location = /pub { nchan_publisher; nchan_channel_id $arg_id; }
                  }
                }
                """.formatted(module, nginxDir, port));
        nginx = new ProcessBuilder(binary, "-c", conf.toString(), "-p", nginxDir.toString(), "-e", nginxDir.resolve("error.log").toString())
                .redirectErrorStream(true).redirectOutput(nginxDir.resolve("stdout.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress("127.0.0.1", port), 500);
                break;
            } catch (IOException notYet) {
                if (!nginx.isAlive() || System.nanoTime() > deadline) {
                    fail("nginx did not start: " + Files.readString(nginxDir.resolve("stdout.log"))
                            + (Files.exists(nginxDir.resolve("error.log")) ? Files.readString(nginxDir.resolve("error.log")) : ""));
                }
                Thread.sleep(50);
            }
        }
        base = "http://127.0.0.1:" + port;
    }

    /** The module's path: the usual place, or wherever the Debian modules-available snippet says. */
    private static Optional<String> nchanModule() throws IOException {
        Path usual = Path.of("/usr/lib/nginx/modules/ngx_nchan_module.so");
        if (Files.exists(usual)) {
            return Optional.of(usual.toString());
        }
        Path available = Path.of("/usr/share/nginx/modules-available");
        if (Files.isDirectory(available)) {
            Pattern load = Pattern.compile("load_module\\s+(\\S*ngx_nchan_module\\.so)\\s*;");
            try (var files = Files.list(available)) {
                for (Path f : files.toList()) {
                    Matcher m = load.matcher(Files.readString(f));
                    if (m.find()) {
                        String p = m.group(1);
                        return Optional.of(p.startsWith("/") ? p : "/usr/share/nginx/" + p);
                    }
                }
            }
        }
        return Optional.empty();
    }

    @AfterAll
    static void stopNginx() throws InterruptedException {
        if (nginx != null) {
            nginx.destroy();
            if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
                nginx.destroyForcibly();
            }
        }
    }

    @Test
    void fanoutOverSseThroughNchan() {
        JsonNode r = BenchCli.run(dir, "--scenario", "fanout", "--transport", "sse", "--connections", "200",
                "--channels", "4", "--rate", "2000", "--publish-rate", "40", "--duration", "1s",
                "--sub-url", base + "/sub?id={channel}", "--pub-url", base + "/pub?id={channel}",
                "--server-pid", Long.toString(nginx.pid()));
        assertNothingLost(r);
        assertThat(r.path("delivery").path("expected").asLong()).isEqualTo(40 * 50);
        assertThat(r.path("server").path("rssLoadedBytes").asLong()).isPositive();
    }

    @Test
    void directOverLongPollThroughNchanResumesWithItsHeaders() {
        JsonNode r = BenchCli.run(dir, "--scenario", "direct", "--transport", "longpoll", "--connections", "100",
                "--rate", "2000", "--publish-rate", "200", "--duration", "1s",
                "--sub-url", base + "/sub?id={id}", "--pub-url", base + "/pub?id={id}");
        assertNothingLost(r);
        assertThat(r.path("requests").path("completed").asLong()).isGreaterThanOrEqualTo(150);
    }

    @Test
    void directOverWebSocketThroughNchan() {
        JsonNode r = BenchCli.run(dir, "--scenario", "direct", "--transport", "ws", "--connections", "100",
                "--rate", "2000", "--publish-rate", "100", "--duration", "1s",
                "--sub-url", base + "/sub?id={id}", "--pub-url", base + "/pub?id={id}");
        assertNothingLost(r);
    }
}
