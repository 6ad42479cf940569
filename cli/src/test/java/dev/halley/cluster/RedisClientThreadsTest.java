package dev.halley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halley.testing.RedisProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A clustered node's broker and membership share one set of Lettuce resources: every Lettuce
 * thread of the node belongs to one pool, so there is one timer thread, two I/O threads and two
 * computation threads, not a set per client. Read from the node's own thread dump.
 */
class RedisClientThreadsTest {

    /** Lettuce names its threads {@code lettuce-<kind>-<pool>-<thread>}, one pool number per resources' group. */
    private static final Pattern LETTUCE_THREAD = Pattern.compile("\"(lettuce-[A-Za-z]+)-(\\d+)-(\\d+)\"");

    @Test
    void aNodeHasOneSetOfRedisClientThreads() throws Exception {
        try (RedisProcess redis = new RedisProcess();
             NodeProcess node = new NodeProcess(redis.uri())) {
            node.publish("/pub/channel/threads", "warm");
            String dump = threadDump(node.process().pid());
            TreeSet<String> timers = new TreeSet<>();
            TreeSet<String> io = new TreeSet<>();
            TreeSet<String> computation = new TreeSet<>();
            Matcher m = LETTUCE_THREAD.matcher(dump);
            while (m.find()) {
                String name = m.group(1) + "-" + m.group(2) + "-" + m.group(3);
                switch (m.group(1)) {
                    case "lettuce-timer" -> timers.add(name);
                    case "lettuce-epollEventLoop", "lettuce-nioEventLoop" -> io.add(name);
                    case "lettuce-eventExecutorLoop" -> computation.add(name);
                    default -> { }
                }
            }
            assertThat(timers).as("Lettuce timer threads").hasSize(1);
            assertThat(io.size()).as("Lettuce I/O threads: %s", io).isBetween(1, 2);
            assertThat(computation.size()).as("Lettuce computation threads: %s", computation).isBetween(1, 2);
        }
    }

    private static String threadDump(long pid) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(List.of(jcmd.toString(), Long.toString(pid), "Thread.print"))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("jcmd Thread.print failed: " + out);
        }
        return out;
    }
}
