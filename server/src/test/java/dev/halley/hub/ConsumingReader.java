package dev.halley.hub;

import dev.halley.message.Backlog;
import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A cursorless reader as MegaComet's {@code /{id}.js} long-poll is one: it answers once, with the
 * backlog if it holds messages or else with the first live message, hands what it answered with
 * over to the hub and cancels itself. Settling the hand-over is the test's business, unless the
 * reader is told to settle as written at once (an answer whose write completed immediately).
 */
final class ConsumingReader implements Subscriber {

    private final Hub hub;
    private final Topic topic;
    private final boolean settleAtOnce;
    private final AtomicReference<List<Message>> answer = new AtomicReference<>();
    private volatile Subscription subscription;

    private ConsumingReader(Hub hub, Topic topic, boolean settleAtOnce) {
        this.hub = hub;
        this.topic = topic;
        this.settleAtOnce = settleAtOnce;
    }

    /** Subscribes a reader whose answer stays unsettled until the test settles it. */
    static ConsumingReader start(Hub hub, Topic topic) {
        return start(hub, topic, false);
    }

    static ConsumingReader start(Hub hub, Topic topic, boolean settleAtOnce) {
        ConsumingReader reader = new ConsumingReader(hub, topic, settleAtOnce);
        Subscription s = hub.subscribeConsuming(topic, reader);
        reader.subscription = s;
        // The answer may have come on the topic's loop before the handle was stored above.
        if (reader.answer.get() != null) {
            s.cancel();
        }
        return reader;
    }

    @Override
    public void onBacklog(Backlog backlog) {
        if (!backlog.messages().isEmpty()) {
            answer(backlog.messages());
        }
    }

    @Override
    public void onMessage(Message message) {
        answer(List.of(message));
    }

    @Override
    public void onFailure(Throwable cause) {
        throw new AssertionError("the embedded broker does not fail", cause);
    }

    private void answer(List<Message> messages) {
        if (!answer.compareAndSet(null, messages)) {
            return;
        }
        MessageId last = messages.get(messages.size() - 1).id();
        hub.handOver(topic, last);
        Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
        if (settleAtOnce) {
            hub.settle(topic, last, true);
        }
    }

    /** What the reader answered with, or null while it waits. */
    List<Message> answer() {
        return answer.get();
    }

    /** The last id of the answer, which the hand-over is settled with. */
    MessageId answeredUpTo() {
        List<Message> a = answer.get();
        return a.get(a.size() - 1).id();
    }
}
