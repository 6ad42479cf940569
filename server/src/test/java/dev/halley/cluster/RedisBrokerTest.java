package dev.halley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halley.broker.Broker;
import dev.halley.broker.BrokerOptions;
import dev.halley.broker.RedisBroker;
import dev.halley.broker.Retention;
import dev.halley.message.Backlog;
import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.message.Topic;
import dev.halley.testing.Eventually;
import dev.halley.testing.RedisProcess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Redis broker's contract against a real Redis: ids, backlogs and gaps as the README states them. */
class RedisBrokerTest {

    private static final BrokerOptions OPTIONS = new BrokerOptions(new Retention(Duration.ofSeconds(60), 3),
            new Retention(Duration.ofMillis(300), 100), Duration.ofSeconds(1));

    private static RedisProcess redis;
    private static RedisBroker broker;
    private static RedisBroker other;
    private static final List<Message> heard = new CopyOnWriteArrayList<>();
    private static final Set<Topic> live = ConcurrentHashMap.newKeySet();

    @BeforeAll
    static void start() throws Exception {
        redis = new RedisProcess();
        broker = new RedisBroker(OPTIONS, redis.uri());
        broker.start(new Broker.Listener() {
            @Override
            public void onMessage(Message message) {
                throw new AssertionError("this broker follows nothing, yet heard " + message);
            }

            @Override
            public void onLive(Topic topic) {
                throw new AssertionError("this broker follows nothing, yet " + topic + " went live");
            }
        });
        other = new RedisBroker(OPTIONS, redis.uri());
        other.start(new Broker.Listener() {
            @Override
            public void onMessage(Message message) {
                heard.add(message);
            }

            @Override
            public void onLive(Topic topic) {
                live.add(topic);
            }
        });
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
        if (other != null) {
            other.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void idsIncreasePerTopicAndAFollowingNodeHearsEachMessageOnce() throws Exception {
        Topic topic = Topic.channel("ids");
        follow(topic);
        List<MessageId> ids = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            ids.add(publish(topic, "\"" + i + "\"").id());
        }
        for (int i = 1; i < ids.size(); i++) {
            assertThat(ids.get(i).seq()).isGreaterThan(ids.get(i - 1).seq());
            assertThat(ids.get(i).epoch()).isEqualTo(ids.get(0).epoch());
        }
        Eventually.await("the other node heard all 50", () -> heardOn(topic).size() >= 50);
        Thread.sleep(200);
        assertThat(heardOn(topic)).extracting(Message::id).containsExactlyElementsOf(ids);
    }

    @Test
    void aNodeReadsOnlyTheTopicsItFollows() throws Exception {
        Topic followed = Topic.channel("wanted");
        Topic ignored = Topic.channel("unwanted");
        follow(followed);
        long readBefore = other.stats().toCompletableFuture().get(5, TimeUnit.SECONDS).liveMessagesRead();
        for (int i = 0; i < 20; i++) {
            publish(ignored, "\"x" + i + "\"");
        }
        MessageId last = publish(followed, "\"last\"").id();
        Eventually.await("the followed topic's message arrives", () -> heardOn(followed).size() == 1);
        assertThat(heardOn(followed)).extracting(Message::id).containsExactly(last);
        assertThat(heardOn(ignored)).as("nothing of a topic nobody here follows").isEmpty();
        long read = other.stats().toCompletableFuture().get(5, TimeUnit.SECONDS).liveMessagesRead() - readBefore;
        assertThat(read).as("messages read from Redis for 1 delivered, 20 published elsewhere").isEqualTo(1);

        other.unfollow(followed);
        Topic marker = Topic.channel("marker");
        follow(marker);
        publish(followed, "\"after unfollow\"");
        publish(marker, "\"m\"");
        Eventually.await("the marker arrives", () -> heardOn(marker).size() == 1);
        assertThat(heardOn(followed)).as("nothing after unfollow").hasSize(1);
    }

    @Test
    void aMailboxOverItsCapSaysGapToAnOldCursorAndNotToARecentOne() throws Exception {
        Topic topic = Topic.client("capped");
        List<MessageId> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(publish(topic, "\"m" + i + "\"").id());
        }
        Backlog fromFirst = since(topic, ids.get(0));
        assertThat(fromFirst.gap()).isTrue();
        assertThat(fromFirst.messages()).extracting(Message::id).containsExactlyElementsOf(ids.subList(2, 5));
        Backlog fromThird = since(topic, ids.get(2));
        assertThat(fromThird.gap()).isFalse();
        assertThat(fromThird.messages()).extracting(Message::id).containsExactlyElementsOf(ids.subList(3, 5));
        assertThat(fromThird.cursor()).isEqualTo(ids.get(4));
        Backlog noCursor = since(topic, null);
        assertThat(noCursor.messages()).hasSize(3);
        assertThat(noCursor.gap()).isFalse();
    }

    @Test
    void consumedAndExpiredMessagesAreGapsAndOtherEpochsAreGaps() throws Exception {
        Topic mailbox = Topic.client("consumed");
        MessageId a = publish(mailbox, "\"a\"").id();
        MessageId b = publish(mailbox, "\"b\"").id();
        broker.consume(mailbox, b);
        Eventually.await("consumed", () -> sinceQuietly(mailbox, null).messages().isEmpty());
        Backlog afterConsume = since(mailbox, a);
        assertThat(afterConsume.gap()).isTrue();
        assertThat(since(mailbox, b).gap()).isFalse();

        Topic channel = Topic.channel("short");
        MessageId c = publish(channel, "\"c\"").id();
        MessageId d = publish(channel, "\"d\"").id();
        assertThat(since(channel, c).messages()).extracting(Message::id).containsExactly(d);
        Thread.sleep(600);
        Backlog expired = since(channel, c);
        assertThat(expired.gap()).isTrue();
        assertThat(expired.messages()).isEmpty();
        assertThat(since(channel, null).messages()).as("a channel without cursor yields only its head").isEmpty();

        Backlog stale = since(mailbox, new MessageId("otherepoch", 5));
        assertThat(stale.gap()).isTrue();
    }

    private static void follow(Topic topic) throws InterruptedException {
        other.follow(topic);
        Eventually.await(topic + " is live", () -> live.contains(topic));
    }

    private static List<Message> heardOn(Topic topic) {
        return heard.stream().filter(m -> m.topic().equals(topic)).toList();
    }

    private static Message publish(Topic topic, String json) throws Exception {
        return broker.publish(topic, json.getBytes(StandardCharsets.UTF_8)).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static Backlog since(Topic topic, MessageId cursor) throws Exception {
        return other.since(topic, cursor).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static Backlog sinceQuietly(Topic topic, MessageId cursor) {
        try {
            return since(topic, cursor);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
