package dev.halley.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Option validation, loopback refusal, source ranges, the marker scanner and the MegaComet hash. */
class BenchOptionsTest {

    @Test
    void refusesNonLoopbackTargetsWithoutAllowRemote() {
        BenchCli.Outcome o = BenchCli.execute("--sub-url", "http://10.11.12.13:8080/sub/client/{id}", "--hold", "0s");
        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.err()).contains("is not a loopback address", "--allow-remote");
    }

    @Test
    void refusesANonLoopbackPublishTarget() {
        BenchCli.Outcome o = BenchCli.execute("--scenario", "direct", "--sub-url", "http://127.0.0.1:9/sub/client/{id}",
                "--pub-url", "http://10.11.12.13:8080/pub/client/{id}");
        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.err()).contains("--pub-url: 10.11.12.13", "is not a loopback address");
    }

    @Test
    void statesTheRuleOfABadOption() {
        BenchCli.Outcome o = BenchCli.execute("--rate", "0");
        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.err()).contains("--rate must be between 1 and 1000000, got 0");
        BenchCli.Outcome churn = BenchCli.execute("--scenario", "churn", "--transport", "sse");
        assertThat(churn.err()).contains("--scenario churn needs --transport longpoll or megacomet, got sse");
        BenchCli.Outcome scenario = BenchCli.execute("--scenario", "storm");
        assertThat(scenario.err()).contains("--scenario must be one of idle, direct, fanout, churn, got storm");
    }

    @Test
    void statesTheRulesOfTheHttp2Options() {
        assertThat(BenchCli.execute("--http2", "--transport", "ws").err())
                .contains("--http2 needs --transport sse, got ws");
        assertThat(BenchCli.execute("--http2", "--streams-per-connection", "0").err())
                .contains("--streams-per-connection must be between 1 and 1000, got 0");
        assertThat(BenchCli.execute("--sub-url", "https://127.0.0.1:8443/sub/client/{id}").err())
                .contains("an https --sub-url needs --http2");
        assertThat(BenchCli.execute("--insecure", "--http2").err())
                .contains("--insecure applies to an https --sub-url only");
        assertThat(BenchCli.execute("--scenario", "direct", "--http2", "--sub-url", "https://127.0.0.1:8443/sub/client/{id}",
                "--pub-url", "https://127.0.0.1:8443/pub/client/{id}").err())
                .contains("--pub-url must be http://host[:port]/path (no TLS)");
    }

    @Test
    void expandsSourceRanges() {
        assertThat(BenchCommand.sources("127.0.0.2-127.0.0.4,127.0.1.1"))
                .containsExactly("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.1.1");
        assertThat(BenchCommand.sources(null)).isEmpty();
    }

    @Test
    void findsMarkersSplitAnywhereAmongOtherBytes() {
        String text = "data: {\"client\":\"hb-c1\",\"data\":\"hb:12:345;\"}\n\nhhb:7:8;hb:9:;hb::1;hb:13:99";
        List<long[]> found = new ArrayList<>();
        MarkerScanner scanner = new MarkerScanner();
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        for (byte b : bytes) {
            ByteBuf one = Unpooled.wrappedBuffer(new byte[] {b});
            scanner.scan(one, (msgNo, nanos) -> found.add(new long[] {msgNo, nanos}));
            one.release();
        }
        assertThat(found).hasSize(2);
        assertThat(found.get(0)).containsExactly(12, 345);
        assertThat(found.get(1)).containsExactly(7, 8);
        ByteBuf rest = Unpooled.copiedBuffer(";", StandardCharsets.US_ASCII);
        scanner.scan(rest, (msgNo, nanos) -> found.add(new long[] {msgNo, nanos}));
        rest.release();
        assertThat(found.get(2)).containsExactly(13, 99);
    }

    @Test
    void megacometWorkerIsTheFloorModOfTheIdsHashCode() {
        assertThat(BenchTransport.megacometWorker("alice", 8)).isEqualTo(Math.floorMod("alice".hashCode(), 8));
        // A negative hashCode still picks a worker in range.
        assertThat("polygenelubricants".hashCode()).isNegative();
        assertThat(BenchTransport.megacometWorker("polygenelubricants", 8)).isBetween(0, 7);
    }
}
