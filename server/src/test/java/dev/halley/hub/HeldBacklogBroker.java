package dev.halley.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halley.broker.Broker;
import dev.halley.broker.BrokerStats;
import dev.halley.broker.LocalBroker;
import dev.halley.message.Backlog;
import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The real embedded broker, except that a backlog reaches the hub only when the test releases it,
 * and then from the test's thread: the way a Redis broker answers, later and elsewhere, while live
 * messages keep arriving on the topic's loop. Everything else goes straight to the embedded broker.
 */
final class HeldBacklogBroker implements Broker {

    /** When the held backlog is read from the store. */
    enum ReadAt {
        /** at the request: live messages published while it is held are not in it */
        REQUEST,
        /** at the release: live messages published while it is held are in it too */
        RELEASE
    }

    private record Held(Topic topic, MessageId cursor, CompletionStage<Backlog> readEarly, CompletableFuture<Backlog> answer) {
    }

    private final LocalBroker store;
    private final ReadAt readAt;
    private final BlockingQueue<Held> held = new LinkedBlockingQueue<>();

    HeldBacklogBroker(LocalBroker store, ReadAt readAt) {
        this.store = store;
        this.readAt = readAt;
    }

    @Override
    public void start(Listener listener) {
        store.start(listener);
    }

    @Override
    public CompletionStage<Message> publish(Topic topic, byte[] json) {
        return store.publish(topic, json);
    }

    @Override
    public void follow(Topic topic) {
        store.follow(topic);
    }

    @Override
    public void unfollow(Topic topic) {
        store.unfollow(topic);
    }

    @Override
    public CompletionStage<Backlog> since(Topic topic, MessageId cursor) {
        CompletableFuture<Backlog> answer = new CompletableFuture<>();
        held.add(new Held(topic, cursor, readAt == ReadAt.REQUEST ? store.since(topic, cursor) : null, answer));
        return answer;
    }

    /** Waits for the next backlog request and answers it, on the calling thread. */
    void releaseNext() {
        Held h = next();
        CompletionStage<Backlog> read = h.readEarly() != null ? h.readEarly() : store.since(h.topic(), h.cursor());
        h.answer().complete(read.toCompletableFuture().join());
    }

    /** Waits for the next backlog request and fails it, as a broker whose store is unreachable does. */
    void failNext(RuntimeException cause) {
        next().answer().completeExceptionally(cause);
    }

    private Held next() {
        try {
            Held h = held.poll(10, TimeUnit.SECONDS);
            assertThat(h).as("the hub asked for a backlog").isNotNull();
            return h;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void consume(Topic topic, MessageId upTo) {
        store.consume(topic, upTo);
    }

    @Override
    public CompletionStage<BrokerStats> stats() {
        return store.stats();
    }

    @Override
    public void close() {
        store.close();
    }
}
