package dev.halley.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halley.edge.ServerOptions;
import dev.halley.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MegaCometTest {

    private static ServerOptions megacomet() {
        return ServerOptions.DEFAULTS.withLoops(2).withMegacomet(new MegaCometOptions(true, List.of(0, 0), 0));
    }

    @Test
    void theManagerProtocolPublishesToClientsAndWorkerPortsServeThem() throws Exception {
        try (TestServer s = TestServer.start(megacomet())) {
            List<Integer> workers = s.server().megacometWorkerPorts();
            assertThat(workers).hasSize(2).doesNotContain(0, s.port());
            try (Socket manager = new Socket("127.0.0.1", s.server().megacometManagerPort())) {
                OutputStream out = manager.getOutputStream();
                out.write(frame("alice", "first"));
                byte[] second = frame("alice", "second é");
                out.write(second, 0, 5);
                out.flush();
                Thread.sleep(50);
                out.write(second, 5, second.length - 5);
                out.write(frame("bob", "for bob"));
                out.flush();
                awaitPublished(s, 3);
            }
            JsonNode alice = TestServer.json(get(workers.get(0), "/alice.js?timeout=1s"));
            assertThat(alice.get("messages")).extracting(m -> m.get("data").asText()).containsExactly("first", "second é");
            JsonNode bob = TestServer.json(get(workers.get(1), "/bob.js?timeout=1s"));
            assertThat(bob.get("messages")).extracting(m -> m.get("data").asText()).containsExactly("for bob");
        }
    }

    @Test
    void aBrokenManagerFrameClosesThatConnectionOnly() throws Exception {
        try (TestServer s = TestServer.start(megacomet());
             Socket good = new Socket("127.0.0.1", s.server().megacometManagerPort());
             Socket bad = new Socket("127.0.0.1", s.server().megacometManagerPort())) {
            bad.getOutputStream().write(new byte[] {7, 'x', 0, 'y', 0});
            bad.setSoTimeout(5000);
            assertThat(bad.getInputStream().read()).as("closed by the server").isEqualTo(-1);

            try (Socket badName = new Socket("127.0.0.1", s.server().megacometManagerPort())) {
                badName.getOutputStream().write(frame("no spaces", "x"));
                badName.setSoTimeout(5000);
                assertThat(badName.getInputStream().read()).isEqualTo(-1);
            }
            try (Socket badText = new Socket("127.0.0.1", s.server().megacometManagerPort())) {
                badText.getOutputStream().write(new byte[] {2, 'd', 0, (byte) 0xC3, (byte) 0x28, 0});
                badText.setSoTimeout(5000);
                assertThat(badText.getInputStream().read()).as("invalid UTF-8 is refused, not altered").isEqualTo(-1);
            }
            good.getOutputStream().write(frame("carol", "fine"));
            awaitPublished(s, 1);
            assertThat(TestServer.json(s.get("/status").body()).at("/connections/rejected/bad_request").asInt()).isEqualTo(3);
        }
    }

    @Test
    void concurrentCursorlessPollersNeverGetTheSameMessageTwice() throws Exception {
        int messages = 400;
        try (TestServer s = TestServer.start()) {
            Set<String> seen = ConcurrentHashMap.newKeySet();
            List<String> duplicates = new CopyOnWriteArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(5);
            try {
                List<Future<?>> pollers = new ArrayList<>();
                for (int p = 0; p < 4; p++) {
                    pollers.add(pool.submit(() -> {
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                        while (seen.size() < messages && System.nanoTime() < deadline) {
                            for (JsonNode m : TestServer.json(get(s.port(), "/rapid.js?timeout=200ms")).get("messages")) {
                                if (!seen.add(m.get("id").asText())) {
                                    duplicates.add(m.get("id").asText());
                                }
                            }
                        }
                        return null;
                    }));
                }
                for (int i = 0; i < messages; i++) {
                    s.publish("client/rapid", "m" + i);
                }
                for (Future<?> f : pollers) {
                    f.get(90, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(duplicates).isEmpty();
            assertThat(seen).hasSize(messages);
        }
    }

    private static byte[] frame(String id, String message) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(2);
        b.write(id.getBytes(StandardCharsets.UTF_8));
        b.write(0);
        b.write(message.getBytes(StandardCharsets.UTF_8));
        b.write(0);
        return b.toByteArray();
    }

    private static void awaitPublished(TestServer s, int n) {
        s.awaitStatus(n + " published", st -> st.at("/messages/published").asInt() >= n);
    }

    private static String get(int port, String path) throws IOException {
        try (Socket sock = new Socket("127.0.0.1", port)) {
            sock.setSoTimeout(5000);
            sock.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String all = new String(sock.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(all).startsWith("HTTP/1.1 200");
            return all.substring(all.indexOf("\r\n\r\n") + 4);
        }
    }
}
