package dev.halley.broker;

import dev.halley.message.Topic;
import io.lettuce.core.cluster.SlotHash;
import java.nio.charset.StandardCharsets;

/**
 * Where a topic lives in Redis. Every key of a topic, and its live channel, carry the hash tag
 * {@code {<kind>:<name>}}, so in Redis Cluster they share one slot and one script can touch them
 * all; topics spread over the masters by that tag.
 *
 * <p>The epoch and the stats counters are what the scripts share between topics. On one server
 * they are single keys ({@code halley:epoch}, {@code halley:stats}). A cluster refuses a script
 * whose keys lie in different slots, so there each slot has its own: the key is tagged with a
 * short string that hashes to the topic's slot ({@code halley:{<tag>}:epoch}). An epoch then
 * names the history of one slot: a shard that lost its data starts new epochs for its slots only,
 * and the cursors of topics on other shards stay valid.
 */
final class KeySpace {

    static final String EPOCH_KEY = "halley:epoch";
    static final String STATS_KEY = "halley:stats";

    /** For each slot, a tag that hashes to it; null on one server. */
    private final String[] slotTags;

    private KeySpace(String[] slotTags) {
        this.slotTags = slotTags;
    }

    static KeySpace singleServer() {
        return new KeySpace(null);
    }

    /** Finds a tag for each of the 16384 slots: about 170,000 CRC16s of short strings, once at start. */
    static KeySpace cluster() {
        String[] tags = new String[SlotHash.SLOT_COUNT];
        int found = 0;
        for (int i = 0; found < tags.length; i++) {
            String tag = Integer.toString(i, 36);
            int slot = SlotHash.getSlot(tag);
            if (tags[slot] == null) {
                tags[slot] = tag;
                found++;
            }
        }
        return new KeySpace(tags);
    }

    boolean perSlot() {
        return slotTags != null;
    }

    byte[] log(Topic topic) {
        return bytes("halley:{" + topic + "}:log");
    }

    byte[] meta(Topic topic) {
        return bytes("halley:{" + topic + "}:meta");
    }

    /** The topic's sharded pub/sub channel, in the topic's slot. */
    byte[] live(Topic topic) {
        return LiveFeed.channelOf(topic);
    }

    byte[] epoch(Topic topic) {
        return slotTags == null ? bytes(EPOCH_KEY) : bytes("halley:{" + slotTags[SlotHash.getSlot(log(topic))] + "}:epoch");
    }

    byte[] stats(Topic topic) {
        return slotTags == null ? bytes(STATS_KEY) : bytes("halley:{" + slotTags[SlotHash.getSlot(log(topic))] + "}:stats");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
