package dev.halley.broker;

import dev.halley.message.Message;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * The stored messages of one topic, oldest first, and the highest seq ever removed from it.
 *
 * <p>Confined to the topic's owning loop. {@code removedUpTo} is what makes a gap visible: a cursor
 * below it may have missed a removed message.
 */
final class TopicLog {

    private final ArrayDeque<Message> messages = new ArrayDeque<>();
    private long removedUpTo;

    TopicLog(long removedUpTo) {
        this.removedUpTo = removedUpTo;
    }

    /** Appends and returns how many of the oldest messages were removed to keep at most {@code maxMessages}. */
    int append(Message message, int maxMessages) {
        messages.addLast(message);
        int dropped = 0;
        while (messages.size() > maxMessages) {
            remove();
            dropped++;
        }
        return dropped;
    }

    /** Removes messages stored at or before {@code cutoffMillis}; returns how many. */
    int expire(long cutoffMillis) {
        int expired = 0;
        while (!messages.isEmpty() && messages.peekFirst().publishedAtMillis() <= cutoffMillis) {
            remove();
            expired++;
        }
        return expired;
    }

    /** Removes messages with seq at or below {@code seq}; returns how many. */
    int consume(long seq) {
        int consumed = 0;
        while (!messages.isEmpty() && messages.peekFirst().id().seq() <= seq) {
            remove();
            consumed++;
        }
        return consumed;
    }

    /** Messages with seq strictly above {@code seq}, oldest first. */
    List<Message> after(long seq) {
        List<Message> found = new ArrayList<>();
        Iterator<Message> newestFirst = messages.descendingIterator();
        while (newestFirst.hasNext()) {
            Message m = newestFirst.next();
            if (m.id().seq() <= seq) {
                break;
            }
            found.add(m);
        }
        Collections.reverse(found);
        return found;
    }

    boolean isEmpty() {
        return messages.isEmpty();
    }

    int size() {
        return messages.size();
    }

    long removedUpTo() {
        return removedUpTo;
    }

    Message newest() {
        return messages.peekLast();
    }

    private void remove() {
        removedUpTo = Math.max(removedUpTo, messages.removeFirst().id().seq());
    }
}
