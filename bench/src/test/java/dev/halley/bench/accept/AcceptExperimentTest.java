package dev.halley.bench.accept;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The experiment end to end at a tiny scale: real server and client processes, counts that add up. */
class AcceptExperimentTest {

    private static final int WARMUP = 50;
    private static final int CONNECTIONS = 150;

    @Test
    void everyStrategyAcceptsEveryMeasuredConnectionAndItsCountsAddUp() throws Exception {
        ExperimentOptions options = options(0);
        // One run with a warm-up shows its connections are left out of the measured counts; one is enough (JVM starts are slow).
        ExperimentOptions warmed = options(WARMUP);
        List<RunResult> results = new ArrayList<>();
        for (Strategy s : options.strategies()) {
            RunResult r = AcceptExperiment.run(s == Strategy.NETTY_REUSEPORT ? warmed : options, s, 2, 0);
            results.add(r);
            assertThat(r.failed()).as(s.word() + " client failures: " + r.clientError()).isZero();
            assertThat(r.connected()).as(s.word()).isEqualTo(CONNECTIONS);
            assertThat(r.accepted()).as(s.word()).isEqualTo(CONNECTIONS);
            assertThat(r.perLoop()).as(s.word()).hasSize(2);
            assertThat(r.perLoop().stream().mapToLong(Long::longValue).sum()).as(s.word()).isEqualTo(CONNECTIONS);
            assertThat(r.wakeups()).as(s.word()).isPositive();
            assertThat(r.emptyWakeups()).as(s.word()).isLessThanOrEqualTo(r.wakeups());
            // Every strategy runs at least its two loops; the hand-offs add an acceptor (NIO) or accept on a loop (Netty).
            // Context switches are not asserted: on a starved machine all 150 may be queued before a thread runs, and none sleeps.
            assertThat(r.server().threads()).as(s.word()).isGreaterThanOrEqualTo(2);
            assertThat(r.server().cpuNanos()).as(s.word()).isPositive();
            if (s == Strategy.THREADS || s == Strategy.THREADS_LOCKED) {
                assertThat(r.wakeups()).as(s.word() + ": one return of accept() per connection").isEqualTo(CONNECTIONS);
            }
        }
        String table = AcceptExperiment.table(results);
        assertThat(table.lines()).hasSize(results.size() + 1);
        for (Strategy s : options.strategies()) {
            assertThat(table).contains(s.word());
        }
    }

    private static ExperimentOptions options(int warmup) {
        return new ExperimentOptions(AcceptExperiment.defaultStrategies(), List.of(2), List.of(0), warmup, CONNECTIONS, 20, 2,
                "127.0.0.1", 0, "127.0.23.1-127.0.23.20");
    }

    @Test
    void optionsStateTheRuleTheyBreak() {
        assertThatThrownBy(() -> new ExperimentOptions(List.of(Strategy.HERD), List.of(0), List.of(0), 0, 10, 5, 1, "127.0.0.1", 0, "127.0.0.2"))
                .hasMessage("each --loops count must be between 1 and 64, got 0");
        assertThatThrownBy(() -> new ExperimentOptions(List.of(Strategy.HERD), List.of(1), List.of(-5), 0, 10, 5, 1, "127.0.0.1", 0, "127.0.0.2"))
                .hasMessage("each --rates rate must be between 0 and 100000, got -5");
        assertThatThrownBy(() -> Strategy.of("prefork"))
                .hasMessageStartingWith("strategy must be one of herd, threads,")
                .hasMessageEndingWith("got prefork");
    }

    @Test
    void sourcesAreAnInclusiveIpv4Range() throws Exception {
        assertThat(ConnectStorm.sources("127.0.23.254-127.0.24.1")).extracting(a -> a.getHostAddress())
                .containsExactly("127.0.23.254", "127.0.23.255", "127.0.24.0", "127.0.24.1");
        assertThatThrownBy(() -> ConnectStorm.sources("127.0.0.9-127.0.0.2")).hasMessageContaining("a <= b");
    }
}
