package dev.halley.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halley.message.Topic;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TopicTableTest {

    private static final long T0 = 1_700_000_000_000L;

    @Test
    void findsEachLogByNameAcrossGrowthAndNeverConfusesTwoNames() {
        TopicTable table = new TopicTable();
        for (int i = 0; i < 10_000; i++) {
            TopicLog log = table.computeIfAbsent(Topic.client("c" + i), name -> new TopicLog(name, 0));
            log.append(T0 * 1000 + i, T0, new byte[] {'1'}, 10);
        }

        assertThat(table.size()).isEqualTo(10_000);
        for (int i = 0; i < 10_000; i++) {
            TopicLog log = table.get(Topic.client("c" + i));
            assertThat(new String(log.name(), StandardCharsets.UTF_8)).isEqualTo("c" + i);
            assertThat(log.newestSeq()).isEqualTo(T0 * 1000 + i);
        }
        assertThat(table.get(Topic.client("c10000"))).isNull();
        assertThat(table.computeIfAbsent(Topic.client("c7"), name -> new TopicLog(name, 0)))
                .as("an existing log is returned, not replaced").isSameAs(table.get(Topic.client("c7")));
        assertThat(table.get(Topic.client("ünïcode"))).isNull();
        table.computeIfAbsent(Topic.client("ünïcode"), name -> new TopicLog(name, 0));
        assertThat(table.get(Topic.client("ünïcode"))).isNotNull();
    }

    /** Rounds of random inserts and removals of emptied logs: the table always holds exactly the live names. */
    @Test
    void removingEmptiedLogsKeepsEveryOtherLogFindable() {
        Random random = new Random(7);
        TopicTable table = new TopicTable();
        Set<String> live = new HashSet<>();
        long seq = T0 * 1000;
        for (int round = 0; round < 50; round++) {
            for (int k = 0; k < 400; k++) {
                String name = "n" + random.nextInt(2_000);
                table.computeIfAbsent(Topic.client(name), n -> new TopicLog(n, 0)).append(++seq, T0, new byte[] {'x'}, 10);
                live.add(name);
            }
            for (String name : Set.copyOf(live)) {
                if (random.nextInt(3) == 0) {
                    table.get(Topic.client(name)).consume(seq);
                    live.remove(name);
                }
            }
            Set<String> visited = new HashSet<>();
            table.forEachThenRemoveEmpty(log -> visited.add(new String(log.name(), StandardCharsets.UTF_8)));

            assertThat(visited).as("round %d: every log is visited once before removal", round).containsAll(live);
            assertThat(table.size()).isEqualTo(live.size());
            for (int i = 0; i < 2_000; i++) {
                String name = "n" + i;
                assertThat(table.get(Topic.client(name)) != null).as("round %d %s", round, name).isEqualTo(live.contains(name));
            }
        }
    }
}
