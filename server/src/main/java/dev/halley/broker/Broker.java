package dev.halley.broker;

import dev.halley.message.Backlog;
import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import java.util.concurrent.CompletionStage;

/**
 * Stores messages, assigns their ids and distributes them to the hubs that follow their topics.
 *
 * <p>Threading: the hub calls {@link #publish}, {@link #since} and {@link #consume} for a topic on
 * that topic's owning loop ({@link dev.halley.loops.Shards#loopOf}). Completions and {@link Listener} calls may
 * arrive on any thread; the caller hops back to the owning loop itself. No method blocks.
 */
public interface Broker extends AutoCloseable {

    /**
     * Receives the messages of followed topics, in id order per topic. A broker may hand on other
     * topics' messages too (the embedded one hands on all), and, after a reconnect, a message twice.
     */
    interface Listener {
        void onMessage(Message message);

        /**
         * Delivery of {@code topic} is live: every message stored from now on reaches
         * {@link #onMessage}. Called once after {@link #follow}, and again whenever delivery was
         * interrupted (a reconnect): messages stored since the previous call may then have been
         * missed, and the listener catches up from the topic's log with {@link #since}.
         */
        void onLive(Topic topic);
    }

    /** Begins distribution to {@code listener}; called once, before any other method. */
    void start(Listener listener);

    /**
     * Stores {@code json} (one encoded JSON value) for {@code topic}. Completes with the stored
     * message once it is stored, never later than that and never before; completes exceptionally
     * when it cannot be stored, so a publisher is never told "stored" for a lost message.
     */
    CompletionStage<Message> publish(Topic topic, byte[] json);

    /**
     * What a subscriber with {@code cursor} is owed. A {@code null} cursor means "no cursor": a
     * client mailbox then yields everything it holds, a channel yields nothing but its head.
     */
    CompletionStage<Backlog> since(Topic topic, MessageId cursor);

    /**
     * This node has subscribers of {@code topic}: deliver its messages from now on, and say so with
     * {@link Listener#onLive}. Following a followed topic again is harmless.
     */
    void follow(Topic topic);

    /** This node no longer has subscribers of {@code topic}: its messages need not reach it any more. */
    void unfollow(Topic topic);

    /** Removes the topic's messages up to and including {@code upTo}: they were delivered to a reader with no cursor. */
    void consume(Topic topic, MessageId upTo);

    /** A consistent snapshot of what the broker holds, gathered without stopping it. */
    CompletionStage<BrokerStats> stats();

    /** Stops timers and connections; stored messages of an embedded broker are gone afterwards. */
    @Override
    void close();
}
