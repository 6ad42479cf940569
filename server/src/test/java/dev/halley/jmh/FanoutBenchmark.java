package dev.halley.jmh;

import dev.halley.broker.BrokerOptions;
import dev.halley.broker.LocalBroker;
import dev.halley.hub.Hub;
import dev.halley.hub.Subscriber;
import dev.halley.loops.Shards;
import dev.halley.message.Backlog;
import dev.halley.message.Message;
import dev.halley.message.Topic;
import dev.halley.transport.Limits;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/** One channel message stored and routed to every subscriber of the channel (the hub's share of a fan-out). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class FanoutBenchmark {

    @Param({"100", "5000"})
    int subscribers;

    private final byte[] payload = "\"twenty-byte-payload\"".getBytes(StandardCharsets.UTF_8);
    private final Topic channel = Topic.channel("news");
    private EmbeddedChannel loop;
    private Hub hub;
    private long delivered;

    @Setup
    public void setUp() {
        loop = new EmbeddedChannel();
        Shards shards = new Shards(List.of(loop.eventLoop()));
        hub = new Hub(shards, new LocalBroker(shards, BrokerOptions.DEFAULTS, Clock.systemUTC()), Limits.DEFAULTS.maxFanoutWaiting());
        hub.start();
        Subscriber counting = new Subscriber() {
            @Override
            public void onBacklog(Backlog backlog) {
                delivered += backlog.messages().size();
            }

            @Override
            public void onMessage(Message message) {
                delivered++;
            }

            @Override
            public void onFailure(Throwable cause) {
                throw new IllegalStateException(cause);
            }
        };
        for (int i = 0; i < subscribers; i++) {
            hub.subscribe(channel, null, counting);
        }
        loop.runPendingTasks();
    }

    @TearDown
    public void tearDown() {
        loop.finishAndReleaseAll();
    }

    @Benchmark
    public void publishAndRouteToAll(Blackhole bh) {
        bh.consume(hub.publish(channel, payload));
        loop.runPendingTasks();
        bh.consume(delivered);
    }
}
