package dev.halley.message;

import java.util.Objects;

/**
 * A message's identity and a subscriber's cursor: {@code <epoch>-<seq>}, e.g. {@code lqx3k9a-1732350000123000}.
 *
 * <p>The epoch names one continuous history: it changes only when stored messages are really lost
 * (a restart of the embedded broker, lost Redis data), so a cursor from another epoch is known to
 * be stale and its holder is told about the gap. Within an epoch, {@code seq} strictly increases
 * per topic; it is not contiguous, so gaps are detected by the broker, not by counting.
 * {@code seq == 0} is the cursor "before everything in this epoch".
 */
public record MessageId(String epoch, long seq) implements Comparable<MessageId> {

    public MessageId {
        Objects.requireNonNull(epoch, "epoch");
        if (epoch.isEmpty() || epoch.indexOf('-') >= 0 || !isCursorText(epoch)) {
            throw new IllegalArgumentException("epoch must be non-empty letters and digits, got '" + epoch + "'");
        }
        if (seq < 0) {
            throw new IllegalArgumentException("seq must be >= 0, got " + seq);
        }
    }

    /**
     * Parses {@code <epoch>-<seq>}.
     *
     * @throws IllegalArgumentException with a message fit for a 400 answer when the text is not an id
     */
    public static MessageId parse(String text) {
        int dash = text.lastIndexOf('-');
        if (dash <= 0 || dash == text.length() - 1 || text.length() > 64) {
            throw new IllegalArgumentException("a message id is <epoch>-<seq>, got '" + abbreviate(text) + "'");
        }
        long seq;
        try {
            seq = Long.parseLong(text, dash + 1, text.length(), 10);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a message id's seq is a decimal number, got '" + abbreviate(text) + "'");
        }
        return new MessageId(text.substring(0, dash), seq);
    }

    /** Orders ids of the same epoch; ids of different epochs are ordered by epoch text only to be total. */
    @Override
    public int compareTo(MessageId other) {
        int byEpoch = epoch.compareTo(other.epoch);
        return byEpoch != 0 ? byEpoch : Long.compare(seq, other.seq);
    }

    public boolean sameEpoch(MessageId other) {
        return epoch.equals(other.epoch);
    }

    @Override
    public String toString() {
        return epoch + "-" + seq;
    }

    private static boolean isCursorText(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9')) {
                return false;
            }
        }
        return true;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
