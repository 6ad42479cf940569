package dev.halley.jmh;

import dev.halley.broker.Broker;
import dev.halley.broker.BrokerOptions;
import dev.halley.broker.LocalBroker;
import dev.halley.loops.Shards;
import dev.halley.message.Backlog;
import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
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

/**
 * Storing a 20-byte message in a mailbox (with its cap), and reading a mailbox back: from a cursor,
 * and whole without one (what a MegaComet reader gets). Reads rebuild messages from the packed log.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MailboxBenchmark {

    @Param({"1000"})
    int mailboxes;

    private final byte[] payload = "\"twenty-byte-payload\"".getBytes(StandardCharsets.UTF_8);
    private EmbeddedChannel loop;
    private LocalBroker broker;
    private Topic[] topics;
    private MessageId[] halfway;
    private int next;

    @Setup
    public void setUp() {
        loop = new EmbeddedChannel();
        broker = new LocalBroker(new Shards(List.of(loop.eventLoop())), BrokerOptions.DEFAULTS, Clock.systemUTC());
        broker.start(new Broker.Listener() {
            @Override
            public void onMessage(Message message) {
                // The benchmark measures storage and backlogs, not delivery.
            }

            @Override
            public void onLive(Topic topic) {
                // Nothing is followed.
            }
        });
        topics = new Topic[mailboxes];
        halfway = new MessageId[mailboxes];
        for (int i = 0; i < mailboxes; i++) {
            topics[i] = Topic.client("client-" + i);
            for (int k = 0; k < 20; k++) {
                Message m = broker.publish(topics[i], payload).toCompletableFuture().join();
                if (k == 9) {
                    halfway[i] = m.id();
                }
            }
        }
    }

    @TearDown
    public void tearDown() {
        broker.close();
        loop.finishAndReleaseAll();
    }

    @Benchmark
    public Message storeInMailbox() {
        next = next + 1 == mailboxes ? 0 : next + 1;
        return broker.publish(topics[next], payload).toCompletableFuture().join();
    }

    @Benchmark
    public Backlog readTenAfterCursor() {
        next = next + 1 == mailboxes ? 0 : next + 1;
        return broker.since(topics[next], halfway[next]).toCompletableFuture().join();
    }

    @Benchmark
    public Backlog readWholeMailbox() {
        next = next + 1 == mailboxes ? 0 : next + 1;
        return broker.since(topics[next], null).toCompletableFuture().join();
    }
}
