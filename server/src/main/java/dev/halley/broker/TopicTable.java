package dev.halley.broker;

import dev.halley.message.Topic;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * One loop's logs of one kind of topic, found by name: an open-addressing hash table (linear
 * probing) whose slots are the logs themselves, each log carrying its name's bytes.
 *
 * <p>With a million one-message mailboxes the key costs more than the message: a
 * {@code HashMap<Topic, TopicLog>} spends a map node, a {@link Topic} and a {@code String} per
 * mailbox (80 bytes besides the name's bytes). Here a mailbox costs a slot and the log. Removal
 * shifts the following entries back instead of leaving tombstones, so lookups stay short after
 * churn. Confined to the owning loop.
 */
final class TopicTable {

    private static final int INITIAL_CAPACITY = 16;

    private TopicLog[] slots = new TopicLog[INITIAL_CAPACITY];
    private int size;

    /** The log named {@code topic}'s name, or null. */
    TopicLog get(Topic topic) {
        byte[] name = nameBytes(topic);
        int mask = slots.length - 1;
        for (int i = indexOf(name, mask); slots[i] != null; i = i + 1 & mask) {
            if (Arrays.equals(slots[i].name(), name)) {
                return slots[i];
            }
        }
        return null;
    }

    /** Makes a new log for a name. */
    @FunctionalInterface
    interface Creator {
        TopicLog create(byte[] name);
    }

    /** The log for {@code topic}, made by {@code create} if there is none yet. */
    TopicLog computeIfAbsent(Topic topic, Creator create) {
        byte[] name = nameBytes(topic);
        int mask = slots.length - 1;
        int i = indexOf(name, mask);
        for (; slots[i] != null; i = i + 1 & mask) {
            if (Arrays.equals(slots[i].name(), name)) {
                return slots[i];
            }
        }
        TopicLog log = create.create(name);
        slots[i] = log;
        size++;
        // Load at most 3/4: probes stay short, and the table costs 5 to 11 bytes per log.
        if (size > slots.length - (slots.length >> 2)) {
            grow();
        }
        return log;
    }

    /** Calls {@code action} for every log, then forgets the logs that are empty afterwards. */
    void forEachThenRemoveEmpty(Consumer<TopicLog> action) {
        forEach(action);
        for (int i = 0; i < slots.length; i++) {
            // Removal shifts a later entry into slot i: look at the same slot again.
            while (slots[i] != null && slots[i].isEmpty()) {
                removeAt(i);
            }
        }
    }

    /** Calls {@code action} for every log. */
    void forEach(Consumer<TopicLog> action) {
        for (TopicLog log : slots) {
            if (log != null) {
                action.accept(log);
            }
        }
    }

    int size() {
        return size;
    }

    private void removeAt(int index) {
        int mask = slots.length - 1;
        int hole = index;
        slots[hole] = null;
        size--;
        // Backward-shift deletion: an entry after the hole moves into it unless its home slot
        // lies cyclically in (hole, its position], where probing from home would not pass the hole.
        for (int i = hole + 1 & mask; slots[i] != null; i = i + 1 & mask) {
            int home = indexOf(slots[i].name(), mask);
            boolean homeAfterHole = hole <= i ? hole < home && home <= i : hole < home || home <= i;
            if (!homeAfterHole) {
                slots[hole] = slots[i];
                slots[i] = null;
                hole = i;
            }
        }
    }

    private void grow() {
        TopicLog[] old = slots;
        slots = new TopicLog[old.length << 1];
        int mask = slots.length - 1;
        for (TopicLog log : old) {
            if (log != null) {
                int i = indexOf(log.name(), mask);
                while (slots[i] != null) {
                    i = i + 1 & mask;
                }
                slots[i] = log;
            }
        }
    }

    private static byte[] nameBytes(Topic topic) {
        return topic.name().getBytes(StandardCharsets.UTF_8);
    }

    private static int indexOf(byte[] name, int mask) {
        int h = Arrays.hashCode(name);
        h ^= h >>> 16;
        h *= 0x45d9f3b;
        h ^= h >>> 16;
        return h & mask;
    }
}
