package dev.halley.pusher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One app's webhooks: events queued from any thread without waiting, posted in batches as
 * {@code {"time_ms":...,"events":[...]}} with {@code X-Pusher-Key} and {@code X-Pusher-Signature}
 * (HMAC-SHA256 of the body with the app's secret), retried with doubling back-off.
 *
 * <p>Delivery to subscribers never waits for a webhook: a full queue drops the newest events and
 * says so in the log, a receiver that keeps failing loses its batch after {@value #MAX_ATTEMPTS}
 * attempts. Posting runs on the gateway's webhook thread and the HTTP client's own.
 */
final class Webhooks {

    private static final Logger log = LoggerFactory.getLogger(Webhooks.class);
    static final int MAX_BATCH = 100;
    static final int MAX_QUEUED = 10_000;
    static final int MAX_ATTEMPTS = 6;
    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private final PusherApp app;
    private final HttpClient http;
    private final ScheduledExecutorService timer;
    private final Clock clock;
    private final Queue<ObjectNode> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();

    Webhooks(PusherApp app, HttpClient http, ScheduledExecutorService timer, Clock clock) {
        this.app = app;
        this.http = http;
        this.timer = timer;
        this.clock = clock;
    }

    void channelOccupied(String channel) {
        offer(event("channel_occupied", channel));
    }

    void channelVacated(String channel) {
        offer(event("channel_vacated", channel));
    }

    void memberAdded(String channel, String userId) {
        offer(event("member_added", channel).put("user_id", userId));
    }

    void memberRemoved(String channel, String userId) {
        offer(event("member_removed", channel).put("user_id", userId));
    }

    /** {@code data} as the client sent it, as a string the way Pusher's webhooks carry it. */
    void clientEvent(String channel, String eventName, JsonNode data, String socketId, String userId) {
        ObjectNode e = event("client_event", channel).put("event", eventName)
                .put("data", data.isTextual() ? data.asText() : Frames.text(data)).put("socket_id", socketId);
        if (userId != null) {
            e.put("user_id", userId);
        }
        offer(e);
    }

    private static ObjectNode event(String name, String channel) {
        return Frames.MAPPER.createObjectNode().put("name", name).put("channel", channel);
    }

    private void offer(ObjectNode event) {
        if (queued.incrementAndGet() > MAX_QUEUED) {
            queued.decrementAndGet();
            dropped.incrementAndGet();
            return;
        }
        queue.add(event);
    }

    /** On the webhook thread: posts everything queued, {@value #MAX_BATCH} events per request. */
    void flush() {
        int lost = dropped.getAndSet(0);
        if (lost > 0) {
            log.warn("event=pusher_webhooks_dropped app={} events={} reason=queue_full max_queued={}", app.id(), lost, MAX_QUEUED);
        }
        while (!queue.isEmpty()) {
            ObjectNode body = Frames.MAPPER.createObjectNode().put("time_ms", clock.millis());
            ArrayNode events = body.putArray("events");
            ObjectNode e;
            while (events.size() < MAX_BATCH && (e = queue.poll()) != null) {
                queued.decrementAndGet();
                events.add(e);
            }
            post(Frames.text(body).getBytes(StandardCharsets.UTF_8), 1);
        }
    }

    private void post(byte[] body, int attempt) {
        HttpRequest request = HttpRequest.newBuilder(app.webhookUrl())
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .header("X-Pusher-Key", app.key())
                .header("X-Pusher-Signature", Signatures.hmacSha256Hex(app.secret(), new String(body, StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, failure) -> {
            if (failure == null && response.statusCode() / 100 == 2) {
                return;
            }
            String cause = failure != null ? failure.toString() : "HTTP " + response.statusCode();
            if (attempt >= MAX_ATTEMPTS) {
                log.warn("event=pusher_webhook_failed app={} attempts={} cause={}", app.id(), attempt, cause);
                return;
            }
            long delayMillis = FIRST_RETRY.toMillis() << (attempt - 1);
            log.debug("event=pusher_webhook_retry app={} attempt={} delay_ms={} cause={}", app.id(), attempt, delayMillis, cause);
            if (!timer.isShutdown()) {
                timer.schedule(() -> post(body, attempt + 1), delayMillis, TimeUnit.MILLISECONDS);
            }
        });
    }
}
