package dev.halley.hub;

import dev.halley.broker.Broker;
import dev.halley.broker.BrokerOptions;
import dev.halley.broker.LocalBroker;
import dev.halley.broker.Retention;
import dev.halley.loops.Shards;
import dev.halley.message.Message;
import dev.halley.message.Topic;
import dev.halley.testing.MutableClock;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalIoHandler;
import io.netty.util.concurrent.EventExecutor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A hub on two real Netty event loops with the real embedded broker, as a node runs it, and the
 * means to order work on a topic's loop: {@link #holdLoopOf} parks the loop so that tasks queued
 * meanwhile run in exactly the order they were queued, and {@link #settled} waits until every
 * task queued on the loop so far has run.
 */
final class HubFixture implements AutoCloseable {

    /** Mailboxes keep 3 messages, so a fourth makes the oldest cursor too old. */
    static final BrokerOptions OPTIONS = new BrokerOptions(new Retention(Duration.ofSeconds(60), 3),
            new Retention(Duration.ofMinutes(5), 100), Duration.ofMinutes(1));

    final MutableClock clock = new MutableClock(1_700_000_000_000L);
    final Shards shards;
    final LocalBroker store;
    final Hub hub;
    private final MultiThreadIoEventLoopGroup loops = new MultiThreadIoEventLoopGroup(2, LocalIoHandler.newFactory());

    HubFixture() {
        this(store -> store);
    }

    /** @param broker what the hub talks to, given the real embedded broker (a wrapper around it, or itself) */
    HubFixture(Function<LocalBroker, Broker> broker) {
        this(broker, 1_000_000);
    }

    /** @param maxFanoutWaiting deliveries a loop may have waiting before publishes to its topics are refused */
    HubFixture(int maxFanoutWaiting) {
        this(store -> store, maxFanoutWaiting);
    }

    private HubFixture(Function<LocalBroker, Broker> broker, int maxFanoutWaiting) {
        List<EventExecutor> list = new ArrayList<>();
        loops.forEach(list::add);
        shards = new Shards(list);
        store = new LocalBroker(shards, OPTIONS, clock);
        hub = new Hub(shards, broker.apply(store), maxFanoutWaiting);
        hub.start();
    }

    /** Publishes a JSON string and waits until it is stored; its delivery is then queued on the topic's loop. */
    Message publish(Topic topic, String text) {
        return hub.publish(topic, ("\"" + text + "\"").getBytes(StandardCharsets.UTF_8)).toCompletableFuture().join();
    }

    /** Waits until the topic's loop has run every task queued on it before this call. */
    void settled(Topic topic) {
        shards.loopOf(topic).submit(() -> { }).syncUninterruptibly();
    }

    /** Waits until the topic's loop has written out every message it had received (a fan-out may take several slices). */
    void fannedOut(Topic topic) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            settled(topic);
            if (stats().fanoutWaiting() == 0) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the fan-out of " + topic + " did not end within 10 s");
            }
        }
    }

    /** Parks the topic's loop until the returned gate is opened; work queued meanwhile then runs in order. */
    Gate holdLoopOf(Topic topic) {
        CountDownLatch open = new CountDownLatch(1);
        shards.loopOf(topic).execute(() -> {
            try {
                if (!open.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never opened the gate of " + topic + "'s loop");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return open::countDown;
    }

    HubStats stats() {
        return hub.stats().toCompletableFuture().join();
    }

    @Override
    public void close() {
        store.close();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Lets a parked loop go on. */
    @FunctionalInterface
    interface Gate {
        void open();
    }
}
