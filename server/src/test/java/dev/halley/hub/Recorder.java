package dev.halley.hub;

import dev.halley.message.Backlog;
import dev.halley.message.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A subscriber that writes down every callback in the order it came: a {@link Backlog}, a
 * {@link Message} or the failure's {@link Throwable}. Called on the topic's loop, read by the test.
 */
final class Recorder implements Subscriber {

    private final List<Object> events = new CopyOnWriteArrayList<>();
    private final Consumer<Message> afterMessage;

    Recorder() {
        this(m -> { });
    }

    /** @param afterMessage what the subscriber does once it has taken a live message (cancel itself or others) */
    Recorder(Consumer<Message> afterMessage) {
        this.afterMessage = afterMessage;
    }

    @Override
    public void onBacklog(Backlog backlog) {
        events.add(backlog);
    }

    @Override
    public void onMessage(Message message) {
        events.add(message);
        afterMessage.accept(message);
    }

    @Override
    public void onFailure(Throwable cause) {
        events.add(cause);
    }

    List<Object> events() {
        return List.copyOf(events);
    }

    /** The live messages only. */
    List<Message> live() {
        List<Message> live = new ArrayList<>();
        for (Object e : events) {
            if (e instanceof Message m) {
                live.add(m);
            }
        }
        return live;
    }
}
