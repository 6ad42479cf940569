package dev.halley.pusher;

import dev.halley.hub.Hub;
import dev.halley.message.Topic;
import io.netty.channel.ChannelHandler;
import java.time.Clock;
import java.time.Duration;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Pusher-compatible mode of one node: its apps, their channel registries, and the two ways in
 * (a WebSocket at {@code /app/{key}}, the HTTP API at {@code /apps/{id}/...}).
 *
 * <p>Codes sent in {@code pusher:error} and as WebSocket close codes, by pusher-js's reading of
 * them (4000-4099 do not reconnect, 4100-4199 reconnect with back-off, 4200-4299 reconnect now):
 * <ol>
 *   <li>{@value #UNKNOWN_APP} unknown app key, {@value #UNSUPPORTED_PROTOCOL} protocol version
 *       other than 5-7, {@value #NO_PROTOCOL} no protocol version: the socket is closed;</li>
 *   <li>{@value #UNAUTHORIZED} a subscription or client event refused (bad or missing signature,
 *       missing {@code channel_data}, client events off or on a public channel): the socket stays;</li>
 *   <li>{@value #OVER_CAPACITY} over capacity: closes a socket past the app's connections (or too
 *       slow to read its events); refuses a subscription past the per-connection channel limit;</li>
 *   <li>{@value #PROTOCOL_ERROR} a frame that is not the protocol (not JSON, unknown event,
 *       oversized client event): reported, the socket stays; the same code closes a socket whose
 *       channel the node cannot serve right now (its store is unreachable), so that it reconnects;
 *       {@value #PONG_NOT_RECEIVED} closes a client silent past the activity and pong timeouts.</li>
 * </ol>
 *
 * <p>Thread-safe: called from every loop.
 */
public final class PusherGateway {

    /**
     * The user event the transport fires down a socket's pipeline once the handshake answer is
     * written: the Pusher handler then speaks first ({@code connection_established} or a refusal).
     */
    public static final Object HANDSHAKE_DONE = new Object() {
        @Override
        public String toString() {
            return "PusherGateway.HANDSHAKE_DONE";
        }
    };

    /**
     * The user event the transport fires down a socket's pipeline when the node drains: the
     * socket is closed with 4200, and pusher-js reconnects at once (to another node) and resubscribes.
     */
    public static final Object DRAIN = new Object() {
        @Override
        public String toString() {
            return "PusherGateway.DRAIN";
        }
    };

    static final int UNKNOWN_APP = 4001;
    static final int UNSUPPORTED_PROTOCOL = 4007;
    static final int NO_PROTOCOL = 4008;
    static final int UNAUTHORIZED = 4009;
    static final int OVER_CAPACITY = 4100;
    static final int PONG_NOT_RECEIVED = 4201;
    static final int PROTOCOL_ERROR = 4200;

    /** Pusher's own default: a client pings after this long without traffic. */
    public static final Duration DEFAULT_ACTIVITY_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration PONG_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_CHANNELS_PER_CONNECTION = 100;
    /** How long webhook events gather before they are posted together. */
    static final Duration WEBHOOK_BATCH_INTERVAL = Duration.ofMillis(500);

    private final Hub hub;
    private final PusherApps apps;
    private final Map<String, App> byId = new LinkedHashMap<>();
    private final Duration activityTimeout;
    private final HttpApi api;
    /** Posts the apps' webhooks; null when no app has one. */
    private final ScheduledExecutorService webhookThread;

    /**
     * @param activityTimeout told to clients in {@code connection_established}, whole seconds from
     *     1s to 1h; a client silent this long is pinged, and closed when it stays silent
     */
    public PusherGateway(Hub hub, PusherApps apps, Clock clock, Duration activityTimeout) {
        this.hub = Objects.requireNonNull(hub, "hub");
        this.apps = Objects.requireNonNull(apps, "apps");
        Objects.requireNonNull(activityTimeout, "activityTimeout");
        if (activityTimeout.toSeconds() < 1 || activityTimeout.toSeconds() > 3600 || activityTimeout.toNanos() % 1_000_000_000L != 0) {
            throw new IllegalArgumentException("the Pusher activity timeout must be whole seconds from 1s to 1h, got " + activityTimeout);
        }
        this.activityTimeout = activityTimeout;
        boolean anyWebhook = apps.apps().stream().anyMatch(a -> a.webhookUrl() != null);
        this.webhookThread = anyWebhook ? Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pusher-webhooks");
            t.setDaemon(true);
            return t;
        }) : null;
        HttpClient webhookClient = anyWebhook ? HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build() : null;
        List<Webhooks> hooks = new ArrayList<>();
        for (PusherApp app : apps.apps()) {
            Webhooks webhooks = app.webhookUrl() == null ? null : new Webhooks(app, webhookClient, webhookThread, clock);
            if (webhooks != null) {
                hooks.add(webhooks);
            }
            byId.put(app.id(), new App(app, webhooks));
        }
        if (webhookThread != null) {
            long batchMillis = WEBHOOK_BATCH_INTERVAL.toMillis();
            webhookThread.scheduleWithFixedDelay(() -> hooks.forEach(Webhooks::flush), batchMillis, batchMillis, TimeUnit.MILLISECONDS);
        }
        this.api = new HttpApi(this, Objects.requireNonNull(clock, "clock"));
    }

    public PusherGateway(Hub hub, PusherApps apps, Clock clock) {
        this(hub, apps, clock, DEFAULT_ACTIVITY_TIMEOUT);
    }

    /** Whether {@code path} is the Pusher WebSocket ({@code /app/...}). */
    public static boolean isSocketPath(String path) {
        return path.startsWith("/app/");
    }

    /** Whether {@code path} is the Pusher HTTP API ({@code /apps/...}). */
    public static boolean isApiPath(String path) {
        return path.startsWith("/apps/");
    }

    /**
     * The handler for a WebSocket opened at {@code path} (with its query parameters): a Pusher
     * connection of the app with that key, or one that refuses with the right close code. It
     * speaks once it receives {@link #HANDSHAKE_DONE}.
     */
    public ChannelHandler socket(String path, Map<String, List<String>> params) {
        String key = path.substring("/app/".length());
        App app = null;
        PusherApp config = apps.byKey(key);
        if (config != null) {
            app = byId.get(config.id());
        }
        if (app == null) {
            return new RefusedConnection(UNKNOWN_APP, "App key " + abbreviate(key) + " does not exist");
        }
        List<String> protocol = params.get("protocol");
        if (protocol == null || protocol.isEmpty()) {
            return new RefusedConnection(NO_PROTOCOL, "No protocol version supplied");
        }
        if (!List.of("5", "6", "7").contains(protocol.get(0))) {
            return new RefusedConnection(UNSUPPORTED_PROTOCOL, "Unsupported protocol version " + abbreviate(protocol.get(0)));
        }
        return new PusherConnection(this, app, newSocketId());
    }

    /**
     * Answers one HTTP API request. Completes once every event of a publish is stored (or could not
     * be), at once for queries.
     *
     * @param path the decoded path, {@code /apps/{id}/...}
     * @param params the decoded query parameters, the signature's among them
     */
    public CompletionStage<ApiReply> api(String method, String path, Map<String, List<String>> params, byte[] body) {
        return api.answer(method, path, params, body);
    }

    /**
     * One app's figures on this node, for {@code GET /status}.
     *
     * @param connections open Pusher sockets of the app
     * @param channels channels with at least one subscriber here
     */
    public record AppStatus(int connections, int channels) {
    }

    /** Per app id, its figures on this node; takes each app's registry lock briefly. */
    public Map<String, AppStatus> status() {
        Map<String, AppStatus> status = new LinkedHashMap<>();
        byId.forEach((id, app) -> status.put(id, new AppStatus(app.connections.get(), app.channels.occupied("").size())));
        return status;
    }

    /** Stops posting webhooks; what is still queued is not sent. */
    public void close() {
        if (webhookThread != null) {
            webhookThread.shutdownNow();
        }
    }

    Hub hub() {
        return hub;
    }

    App app(String id) {
        return byId.get(id);
    }

    Duration activityTimeout() {
        return activityTimeout;
    }

    /** Pusher's 30 seconds, or the activity timeout when that is shorter. */
    Duration pongTimeout() {
        return activityTimeout.compareTo(PONG_TIMEOUT) < 0 ? activityTimeout : PONG_TIMEOUT;
    }

    int maxChannelsPerConnection() {
        return MAX_CHANNELS_PER_CONNECTION;
    }

    /** {@code pusher:<app id>:<channel>}: no Halley topic name holds a colon, so no app reaches another's or Halley's. */
    Topic topic(PusherApp app, String channel) {
        return Topic.channel("pusher:" + app.id() + ":" + channel);
    }

    /** Two random positive numbers joined by a dot, the form every Pusher client and SDK checks. */
    private static String newSocketId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return random.nextInt(1, Integer.MAX_VALUE) + "." + random.nextInt(1, Integer.MAX_VALUE);
    }

    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "…";
    }

    /** One app's live state on this node. */
    static final class App {
        private final PusherApp app;
        private final AppChannels channels;
        private final Webhooks webhooks;
        private final AtomicInteger connections = new AtomicInteger();

        App(PusherApp app, Webhooks webhooks) {
            this.app = app;
            this.webhooks = webhooks;
            this.channels = new AppChannels(webhooks);
        }

        /** Null when the app has no webhook. */
        Webhooks webhooks() {
            return webhooks;
        }

        PusherApp app() {
            return app;
        }

        AppChannels channels() {
            return channels;
        }

        /** Counts a new connection in, or returns false when the app is at its maximum. */
        boolean admit() {
            if (connections.incrementAndGet() > app.maxConnections()) {
                connections.decrementAndGet();
                return false;
            }
            return true;
        }

        void release() {
            connections.decrementAndGet();
        }
    }
}
