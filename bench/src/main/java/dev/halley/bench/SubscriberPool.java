package dev.halley.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * This process's share of the subscriber connections: opens them at its share of the connect
 * rate, keeps them subscribed, and counts what arrives. All connections live on a few Netty event
 * loops; a connection costs one {@link Subscriber} plus its channel and HTTP codec until it
 * subscribes, and a stream's (SSE, WebSocket, Pusher over epoll) then only its descriptor, held
 * on the same loop outside Netty ({@link HeldSubscriber}). With
 * {@code --http2} a subscriber is a stream instead, and {@link Http2Sockets} holds the connections
 * they share.
 */
final class SubscriberPool {

    private static final long OPEN_TICK_MILLIS = 10;
    private static final int MAX_POLL_ANSWER_BYTES = 1 << 20;
    private static final FixedRecvByteBufAllocator RECEIVE_BUFFERS = new FixedRecvByteBufAllocator(4096);

    final BenchOptions options;
    private final int worker;
    private final int first;
    private final int count;
    private final EventLoopGroup group;
    private final Bootstrap base;
    private final UrlTemplate subUrl;
    private final InetSocketAddress[] remotes;
    private final InetAddress[] sources;
    private final Subscriber[] subscribers;
    private final DeliveryLedger ledger;
    private final Recorder latency = new Recorder(Histograms.MAX_MICROS, 3);
    private final Recorder connectTime = new Recorder(Histograms.MAX_MICROS, 3);
    private final Histogram latencyTotal = Histograms.micros();
    private final Histogram connectTotal = Histograms.micros();
    private final AtomicInteger attempted = new AtomicInteger();
    private final AtomicInteger standing = new AtomicInteger();
    private final AtomicInteger everReady = new AtomicInteger();
    private final AtomicInteger failedBeforeReady = new AtomicInteger();
    private final AtomicInteger held = new AtomicInteger();
    /** Null without {@code --max-pending}: connects then open at the rate alone. */
    private final ConnectWindow window;
    private volatile long startNanos;
    private final AtomicLong lastFirstSubscribeNanos = new AtomicLong();
    private final Map<FailureCause, LongAdder> failures = new EnumMap<>(FailureCause.class);
    private final LongAdder deliveries = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder outOfOrder = new LongAdder();
    private final LongAdder unexpected = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private volatile boolean stopping;
    private ScheduledFuture<?> opener;
    private final Http2Sockets http2;
    private final boolean holdsStreams;

    /** Connections {@code [first, first + count)} of the run, for process {@code worker}. */
    SubscriberPool(BenchOptions options, int worker, int first, int count) {
        this.options = options;
        this.worker = worker;
        this.first = first;
        this.count = count;
        for (FailureCause c : FailureCause.values()) {
            failures.put(c, new LongAdder());
        }
        this.subUrl = subscribeUrl(options);
        InetAddress host = subUrl.resolve("--sub-url", options.allowRemote());
        int ports = options.transport() == BenchTransport.MEGACOMET ? options.megacometWorkers() : 1;
        this.remotes = new InetSocketAddress[ports];
        for (int i = 0; i < ports; i++) {
            remotes[i] = new InetSocketAddress(host, subUrl.port() + i);
        }
        this.sources = new InetAddress[options.sources().size()];
        for (int i = 0; i < sources.length; i++) {
            sources[i] = UrlTemplate.resolveHost("--source", options.sources().get(i), options.allowRemote());
        }
        this.subscribers = new Subscriber[count];
        this.window = options.maxPending() > 0 ? new ConnectWindow(options.maxPending()) : null;
        boolean fanout = options.scenario() == Scenario.FANOUT;
        this.ledger = new DeliveryLedger(options.scenario().publishes() ? (int) options.offeredMessages() : 0, fanout);
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(options.loops(), io);
        Bootstrap b = new Bootstrap().group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) options.connectTimeout().toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_REUSEADDR, true)
                // One allocator for every connection instead of an adaptive one each (~100 B a connection):
                // what a subscriber reads is small, and a burst only takes more reads.
                .option(ChannelOption.RECVBUF_ALLOCATOR, RECEIVE_BUFFERS);
        if (epoll && sources.length > 0) {
            // Leave the port choice to connect(), so each source address x server port has its own ephemeral range.
            b.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
        }
        this.base = b;
        this.http2 = options.http2() ? new Http2Sockets(this, b, subUrl, remotes[0], sources) : null;
        this.holdsStreams = holdsStreams(options);
    }

    /** Whether stream subscribers leave Netty once they stand: over epoll, one socket per subscriber, not polling. */
    static boolean holdsStreams(BenchOptions options) {
        return Epoll.isAvailable() && !options.http2() && !options.transport().polls();
    }

    /** The subscribe URL; https only for the HTTP/2 subscriber, the one that speaks TLS. */
    static UrlTemplate subscribeUrl(BenchOptions options) {
        return options.http2() ? UrlTemplate.parseAllowingTls("--sub-url", options.subUrl())
                : UrlTemplate.parse("--sub-url", options.subUrl());
    }

    /**
     * Starts opening connections at this process's share of {@code --rate}, and with
     * {@code --max-pending} no faster than the {@link ConnectWindow} lets them through; returns at once.
     */
    void start() {
        double perSecond = (double) options.connectRate() * count / options.connections();
        // A stall (a full window, a late tick) is not made up for later with a burst past 100 ms of the rate.
        double burst = Math.max(1, perSecond / 10);
        long startNanos = System.nanoTime();
        this.startNanos = startNanos;
        int[] opened = {0};
        double[] tokens = {1};
        long[] lastNanos = {startNanos};
        opener = group.next().scheduleAtFixedRate(() -> {
            if (stopping) {
                return;
            }
            long now = System.nanoTime();
            tokens[0] = Math.min(burst, tokens[0] + perSecond * (now - lastNanos[0]) / 1e9);
            lastNanos[0] = now;
            while (opened[0] < count && tokens[0] >= 1 && (window == null || window.tryOpen())) {
                tokens[0]--;
                int i = opened[0]++;
                Subscriber s = new Subscriber(first + i);
                subscribers[i] = s;
                attempted.incrementAndGet();
                connect(s);
            }
            if (opened[0] >= count && opener != null) {
                opener.cancel(false);
            }
        }, 0, OPEN_TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Connects (or, for churn, reconnects) one subscriber. */
    void connect(Subscriber s) {
        if (stopping) {
            return;
        }
        s.connectStartNanos = System.nanoTime();
        if (http2 != null) {
            http2.open(s, s.index - first);
            return;
        }
        InetSocketAddress remote = remotes[remotes.length == 1 ? 0
                : BenchTransport.megacometWorker(options.clientId(s.index), remotes.length)];
        Bootstrap b = base.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new HttpClientCodec(4096, 8192, 16384));
                if (options.transport().polls()) {
                    ch.pipeline().addLast(new HttpObjectAggregator(MAX_POLL_ANSWER_BYTES));
                }
                ch.pipeline().addLast(new SubscriberHandler(SubscriberPool.this, s));
            }
        });
        ChannelFuture f = sources.length == 0 ? b.connect(remote)
                : b.connect(remote, new InetSocketAddress(sources[s.index % sources.length], 0));
        s.channel = f.channel();
        f.addListener(done -> {
            if (!done.isSuccess()) {
                fail(s, FailureCause.of(done.cause(), false));
            }
        });
    }

    boolean holdsStreams() {
        return holdsStreams;
    }

    boolean stopping() {
        return stopping;
    }

    String subscribePath(Subscriber s) {
        String id = options.clientId(s.index);
        String channel = options.channelName(s.index % options.channels());
        String path = subUrl.path(id, channel, "");
        if (s.cursor != null) {
            path += (path.indexOf('?') >= 0 ? '&' : '?') + "since=" + s.cursor;
        }
        return path;
    }

    String hostHeader() {
        return subUrl.hostHeader();
    }

    /** The subscription is in place: first time for this subscriber, or again after a churn reconnect. */
    void ready(Subscriber s) {
        if (s.ready) {
            return;
        }
        s.ready = true;
        standing.incrementAndGet();
        if (!s.everReady) {
            s.everReady = true;
            everReady.incrementAndGet();
            long now = System.nanoTime();
            connectTime.recordValue(Histograms.clampMicros(now - s.connectStartNanos));
            lastFirstSubscribeNanos.accumulateAndGet(now, Math::max);
            if (window != null) {
                window.subscribed();
            }
        }
    }

    /** The subscriber's connection closed (for any reason). */
    void closed(Subscriber s) {
        if (s.ready) {
            s.ready = false;
            standing.decrementAndGet();
        }
    }

    /** Counts one failure; a subscriber that fails is not reconnected. */
    void fail(Subscriber s, FailureCause cause) {
        if (stopping || s.failed) {
            return;
        }
        s.failed = true;
        failures.get(cause).increment();
        if (!s.everReady) {
            failedBeforeReady.incrementAndGet();
            if (window != null) {
                window.failed();
            }
        }
    }

    /** A subscriber's socket is now held outside Netty ({@code +1}) or, having been, closed ({@code -1}). */
    void heldChanged(int delta) {
        held.addAndGet(delta);
    }

    void answered() {
        requests.increment();
    }

    /** A marker arrived on {@code s}'s connection. Called on that connection's loop. */
    void marker(Subscriber s, long msgNo, long sendNanos) {
        long now = System.nanoTime();
        deliveries.increment();
        if (msgNo >= ledger.size()) {
            unexpected.increment();
            return;
        }
        int n = (int) msgNo;
        boolean firstTime;
        if (options.scenario() == Scenario.FANOUT) {
            int k = options.channels();
            if (n % k != s.index % k) {
                unexpected.increment();
                return;
            }
            if (s.seen == null) {
                s.seen = new BitSet();
            }
            firstTime = !s.seen.get(n / k);
            if (firstTime) {
                s.seen.set(n / k);
                ledger.countDelivery(n, now);
            }
        } else {
            firstTime = ledger.markDelivered(n);
        }
        if (!firstTime) {
            duplicates.increment();
            return;
        }
        if (n < s.lastMsgNo) {
            outOfOrder.increment();
        } else {
            s.lastMsgNo = n;
        }
        latency.recordValue(Histograms.clampMicros(now - sendNanos));
    }

    Progress progress() {
        long failed = 0;
        for (LongAdder a : failures.values()) {
            failed += a.sum();
        }
        return new Progress(attempted.get(), standing.get(), everReady.get() + failedBeforeReady.get(), failed,
                deliveries.sum(), requests.sum());
    }

    /** Whether every connection has been started and has either subscribed or failed. */
    boolean settled() {
        return attempted.get() == count && everReady.get() + failedBeforeReady.get() >= count;
    }

    /** Fanout: subscribed connections per channel, right now (call once every connection settled). */
    int[] readyPerChannel() {
        int[] out = new int[options.scenario() == Scenario.FANOUT ? options.channels() : 0];
        for (Subscriber s : subscribers) {
            if (s != null && s.ready && out.length > 0) {
                out[s.index % out.length]++;
            }
        }
        return out;
    }

    /**
     * Closes every connection and the loops (bounded waits), then returns what was measured.
     *
     * @param standingAtStop the standing count taken just before stopping
     * @param readyPerChannel fanout's per-channel subscribers when publishing began
     */
    WorkerResult stop(int standingAtStop, int[] readyPerChannel) {
        Long rss = ownRss();
        int heldAtStop = held.get();
        stopping = true;
        if (opener != null) {
            opener.cancel(false);
        }
        for (Subscriber s : subscribers) {
            if (s == null) {
                continue;
            }
            Channel ch = s.channel;
            HeldSubscriber held = s.held;
            if (ch != null) {
                ch.close();
            } else if (held != null) {
                held.closeFromAnyThread();
            }
        }
        if (http2 != null) {
            http2.close();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        latencyTotal.add(latency.getIntervalHistogram());
        connectTotal.add(connectTime.getIntervalHistogram());
        Map<String, Long> failed = new LinkedHashMap<>();
        for (Map.Entry<FailureCause, LongAdder> e : failures.entrySet()) {
            failed.put(e.getKey().word, e.getValue().sum());
        }
        boolean fanout = options.scenario() == Scenario.FANOUT;
        int messages = ledger.size();
        return new WorkerResult(worker, count, attempted.get(), standingAtStop, everReady.get(), failed,
                Histograms.encode(connectTotal), Histograms.encode(latencyTotal), deliveries.sum(), duplicates.sum(),
                outOfOrder.sum(), unexpected.sum(), requests.sum(), fanout ? "" : ledger.bitsBase64(),
                fanout ? "" : DeliveryLedger.encodeBits(neverSubscribed()),
                fanout ? ledger.counts(messages) : new int[0], fanout ? ledger.lastNanos(messages) : new long[0],
                readyPerChannel, rss, startNanos, lastFirstSubscribeNanos.get(), http2 == null ? 0 : http2.connected(), heldAtStop);
    }

    /**
     * The run-wide indices of this process's connections that never subscribed; read after the
     * loops have stopped, so every subscriber's flags are final.
     */
    private BitSet neverSubscribed() {
        BitSet never = new BitSet();
        for (int i = 0; i < count; i++) {
            if (subscribers[i] == null || !subscribers[i].everReady) {
                never.set(first + i);
            }
        }
        return never;
    }

    private static Long ownRss() {
        try {
            return ServerProbe.rssBytes((int) ProcessHandle.current().pid());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
