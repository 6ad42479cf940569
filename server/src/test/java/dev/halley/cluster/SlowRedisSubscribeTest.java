package dev.halley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halley.broker.Broker;
import dev.halley.broker.BrokerOptions;
import dev.halley.broker.RedisBroker;
import dev.halley.broker.Retention;
import dev.halley.message.Message;
import dev.halley.message.Topic;
import dev.halley.testing.Eventually;
import dev.halley.testing.RedisProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A Redis that answers late (here: paused with {@code CLIENT PAUSE} for longer than the command
 * timeout) must not be sent the same subscriptions again and again. A timed-out SSUBSCRIBE is on
 * the wire and is answered once Redis runs again; sending it anew every retry interval made the
 * queue of a slow Redis grow with every round, until the node's heap held nothing but timed-out
 * commands (the 53-node million run of 2026-12-02 ended that way).
 */
class SlowRedisSubscribeTest {

    private static final BrokerOptions OPTIONS = new BrokerOptions(new Retention(Duration.ofSeconds(60), 3),
            new Retention(Duration.ofSeconds(60), 100), Duration.ofSeconds(1));
    private static final int TOPICS = 200;
    private static final Pattern SSUBSCRIBE_CALLS = Pattern.compile("cmdstat_ssubscribe:calls=(\\d+)");

    @Test
    void subscriptionsSentWhileRedisIsStalledAreSentOnceAndGoLiveWhenItRuns() throws Exception {
        Set<Topic> live = ConcurrentHashMap.newKeySet();
        List<Message> heard = new CopyOnWriteArrayList<>();
        try (RedisProcess redis = new RedisProcess();
                RedisBroker publisher = new RedisBroker(OPTIONS, redis.uri());
                RedisBroker follower = new RedisBroker(OPTIONS, redis.uri())) {
            publisher.start(new Recording(Set.of(), new CopyOnWriteArrayList<>()));
            follower.start(new Recording(live, heard));
            RedisClient admin = RedisClient.create(redis.uri());
            try (StatefulRedisConnection<String, String> connection = admin.connect()) {
                long before = ssubscribeCalls(connection);
                connection.sync().clientPause(9_000);
                for (int i = 0; i < TOPICS; i++) {
                    follower.follow(Topic.channel("stalled-" + i));
                }
                Eventually.await("every subscription confirmed after the pause", Duration.ofSeconds(30),
                        () -> live.size() == TOPICS);
                Thread.sleep(3_000);
                long sent = ssubscribeCalls(connection) - before;
                assertThat(sent).as("SSUBSCRIBEs Redis received for %d topics followed during a 9 s stall", TOPICS)
                        .isLessThanOrEqualTo(TOPICS);

                Topic probe = Topic.channel("stalled-7");
                publisher.publish(probe, "\"after\"".getBytes(StandardCharsets.UTF_8)).toCompletableFuture().get(5, TimeUnit.SECONDS);
                Eventually.await("a message published after the stall arrives", () -> heard.stream().anyMatch(m -> m.topic().equals(probe)));
            } finally {
                admin.shutdown();
            }
        }
    }

    private static long ssubscribeCalls(StatefulRedisConnection<String, String> connection) {
        Matcher m = SSUBSCRIBE_CALLS.matcher(connection.sync().info("commandstats"));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private record Recording(Set<Topic> live, List<Message> heard) implements Broker.Listener {
        @Override
        public void onMessage(Message message) {
            heard.add(message);
        }

        @Override
        public void onLive(Topic topic) {
            live.add(topic);
        }
    }
}
