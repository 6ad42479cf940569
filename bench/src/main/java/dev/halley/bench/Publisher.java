package dev.halley.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Publishes numbered messages at the offered rate over a few keep-alive HTTP connections (one
 * request in flight on each), or over one MegaComet manager-protocol connection. Everything runs
 * on one event loop; the coordinator reads the figures only through {@link #snapshot()}, which
 * runs on that loop too.
 *
 * <p>Every client or channel is pinned to one connection ({@code target % connections}), so its
 * messages reach the server in number order and "out of order" at a subscriber means the server
 * reordered. A message whose connection is busy waits in that connection's queue; past a bound
 * over all queues it is counted as not sent, so the report shows offered versus sustained honestly.
 */
final class Publisher implements AutoCloseable {

    private static final int MAX_QUEUED = 100_000;
    private static final int MAX_RECONNECTS = 100;
    /**
     * The offering tick follows the rate (one message per tick) between these bounds: a 1 ms tick
     * at 1 message/s woke each idle bench a thousand times a second, which across the 53 benches of
     * a million-connection run was a core of CPU spent publishing nothing.
     */
    private static final long MIN_TICK_MICROS = 1000;
    private static final long MAX_TICK_MICROS = 100_000;

    /** The publisher's figures at one moment. */
    record Snapshot(long offered, long sent, long accepted, long notSent, long inFlight, Map<String, Long> failures) {
    }

    private final BenchOptions options;
    private final int messages;
    private final MultiThreadIoEventLoopGroup group;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final InetSocketAddress remote;
    private final UrlTemplate pubUrl;
    private final boolean megacomet;
    private final SplittableRandom random = new SplittableRandom();
    private final List<ArrayDeque<Integer>> queues = new ArrayList<>();
    private final Connection[] idle;
    private int queued;
    private final long[] sendNanos;
    private final int[] targets;
    private final BitSet accepted = new BitSet();
    private final Map<FailureCause, Long> failures = new EnumMap<>(FailureCause.class);
    private int next;
    private long offered;
    private long sent;
    private long acceptedCount;
    private long notSent;
    private int inFlight;
    private int reconnects;
    private int rate;
    private long stepStartNanos;
    private long stepOffered;
    private long stepQuota;
    private ScheduledFuture<?> ticker;
    private long tickMicros;
    private Channel managerChannel;

    Publisher(BenchOptions options) throws InterruptedException {
        this.options = options;
        this.messages = (int) options.offeredMessages();
        this.sendNanos = new long[messages];
        this.targets = new int[messages];
        this.megacomet = !options.pubMegacomet().isEmpty();
        this.idle = new Connection[options.pubConcurrency()];
        for (int i = 0; i < options.pubConcurrency(); i++) {
            queues.add(new ArrayDeque<>());
        }
        for (FailureCause c : FailureCause.values()) {
            failures.put(c, 0L);
        }
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(1, io);
        this.loop = group.next();
        this.bootstrap = new Bootstrap().group(loop)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) options.connectTimeout().toMillis())
                .option(ChannelOption.TCP_NODELAY, true);
        if (megacomet) {
            this.pubUrl = null;
            int colon = options.pubMegacomet().lastIndexOf(':');
            if (colon < 1) {
                throw new IllegalArgumentException("--pub-megacomet must be host:port, got " + options.pubMegacomet());
            }
            int port;
            try {
                port = Integer.parseInt(options.pubMegacomet().substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--pub-megacomet must be host:port, got " + options.pubMegacomet());
            }
            BenchOptions.requireBetween("--pub-megacomet port", port, 1, 65535);
            InetAddress host = UrlTemplate.resolveHost("--pub-megacomet", options.pubMegacomet().substring(0, colon), options.allowRemote());
            this.remote = new InetSocketAddress(host, port);
            this.managerChannel = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    // The manager protocol has no answers; nothing is read.
                }
            }).connect(remote).sync().channel();
        } else {
            this.pubUrl = UrlTemplate.parse("--pub-url", options.pubUrl());
            this.remote = new InetSocketAddress(pubUrl.resolve("--pub-url", options.allowRemote()), pubUrl.port());
            for (int i = 0; i < options.pubConcurrency(); i++) {
                new Connection(i).open();
            }
        }
    }

    /** Offers {@code perSecond} messages a second from now on, until the next step or {@link #stopOffering()}. */
    void startStep(int perSecond) {
        loop.submit(() -> {
            rate = perSecond;
            stepQuota = perSecond * options.duration().toMillis() / 1000;
            stepStartNanos = System.nanoTime();
            stepOffered = 0;
            long period = tickMicrosFor(perSecond);
            if (ticker == null || period != tickMicros) {
                if (ticker != null) {
                    ticker.cancel(false);
                }
                tickMicros = period;
                ticker = loop.scheduleAtFixedRate(this::tick, 0, period, TimeUnit.MICROSECONDS);
            }
        }).syncUninterruptibly();
    }

    static long tickMicrosFor(int perSecond) {
        return perSecond <= 0 ? MAX_TICK_MICROS
                : Math.max(MIN_TICK_MICROS, Math.min(MAX_TICK_MICROS, 1_000_000L / perSecond));
    }

    /** Offers what the step still owes, pauses offering, and returns the figures at that moment. */
    Snapshot endStep() {
        return CompletableFuture.supplyAsync(() -> {
            finishStep();
            rate = 0;
            return figures();
        }, loop).join();
    }

    void stopOffering() {
        loop.submit(() -> {
            rate = 0;
            if (ticker != null) {
                ticker.cancel(false);
            }
        }).syncUninterruptibly();
    }

    Snapshot snapshot() {
        return CompletableFuture.supplyAsync(this::figures, loop).join();
    }

    private Snapshot figures() {
        Map<String, Long> f = new LinkedHashMap<>();
        failures.forEach((k, v) -> f.put(k.word, v));
        return new Snapshot(offered, sent, acceptedCount, notSent, inFlight + queued, f);
    }

    /** Messages numbered so far (a bound for the ledgers). */
    int numbered() {
        return CompletableFuture.supplyAsync(() -> next, loop).join();
    }

    /** Which messages the server accepted (2xx, or written for MegaComet) and when each was sent. */
    BitSet accepted() {
        return CompletableFuture.supplyAsync(() -> (BitSet) accepted.clone(), loop).join();
    }

    long[] sendNanos() {
        return CompletableFuture.supplyAsync(sendNanos::clone, loop).join();
    }

    /** The client index (direct, churn) or channel number (fanout) of each message numbered so far. */
    int[] targets() {
        return CompletableFuture.supplyAsync(() -> Arrays.copyOf(targets, next), loop).join();
    }

    /** The client index or channel number message {@code msgNo} is addressed to, chosen once. */
    private int target(int msgNo) {
        return targets[msgNo];
    }

    private void tick() {
        if (rate == 0) {
            return;
        }
        offerUpTo(Math.min(stepQuota, (long) ((double) rate * (System.nanoTime() - stepStartNanos) / 1e9)));
    }

    /** Offers what the step still owes: the coordinator's clock may end a step a tick before ours does. */
    private void finishStep() {
        if (rate > 0) {
            offerUpTo(stepQuota);
        }
    }

    private void offerUpTo(long due) {
        while (stepOffered < due && next < messages) {
            stepOffered++;
            offered++;
            int msgNo = next++;
            targets[msgNo] = options.scenario() == Scenario.FANOUT ? msgNo % options.channels() : random.nextInt(options.connections());
            if (megacomet) {
                sendManager(msgNo);
            } else if (queued >= MAX_QUEUED) {
                notSent++;
            } else {
                queued++;
                queues.get(targets[msgNo] % queues.size()).add(msgNo);
            }
        }
        if (megacomet) {
            managerChannel.flush();
        }
        dispatch();
    }

    private void dispatch() {
        for (int slot = 0; slot < idle.length; slot++) {
            if (idle[slot] != null && !queues.get(slot).isEmpty()) {
                Connection c = idle[slot];
                idle[slot] = null;
                queued--;
                c.send(queues.get(slot).poll());
            }
        }
    }

    private void sendManager(int msgNo) {
        String client = options.clientId(target(msgNo));
        long now = System.nanoTime();
        sendNanos[msgNo] = now;
        byte[] id = client.getBytes(StandardCharsets.UTF_8);
        byte[] payload = MarkerScanner.marker(msgNo, now).getBytes(StandardCharsets.UTF_8);
        ByteBuf frame = managerChannel.alloc().buffer(id.length + payload.length + 3);
        frame.writeByte(2).writeBytes(id).writeByte(0).writeBytes(payload).writeByte(0);
        sent++;
        managerChannel.write(frame).addListener(f -> {
            if (f.isSuccess()) {
                accepted.set(msgNo);
                acceptedCount++;
            } else {
                failures.merge(FailureCause.RESET, 1L, Long::sum);
            }
        });
    }

    /** A Pusher trigger body: one event named {@code bench} on {@code channel}, its data a JSON string. */
    private static byte[] pusherEvent(String channel, String data) {
        ObjectNode event = WorkerMode.MAPPER.createObjectNode().put("name", "bench").put("channel", channel).put("data", data);
        try {
            return WorkerMode.MAPPER.writeValueAsBytes(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an object of three strings always serializes", e);
        }
    }

    private void failed(FailureCause cause) {
        failures.merge(cause, 1L, Long::sum);
    }

    /** One keep-alive publish connection; lives on the publisher loop. */
    private final class Connection extends SimpleChannelInboundHandler<FullHttpResponse> {

        private final int slot;
        private Channel channel;
        private int msgNo = -1;
        /** The server ended this connection with its answer and a fresh one has taken the slot. */
        private boolean replaced;
        private ScheduledFuture<?> deadline;

        Connection(int slot) {
            this.slot = slot;
        }

        void open() {
            ChannelFuture connecting = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 16), Connection.this);
                }
            }).connect(remote);
            // Known now: the listener below may send before channelActive has run.
            channel = connecting.channel();
            connecting.addListener(f -> {
                if (f.isSuccess()) {
                    idle[slot] = this;
                    dispatch();
                } else {
                    failed(FailureCause.of(f.cause(), false));
                    reopenLater();
                }
            });
        }

        private void reopenLater() {
            if (reconnects++ < MAX_RECONNECTS) {
                loop.schedule(() -> new Connection(slot).open(), 100, TimeUnit.MILLISECONDS);
            }
        }

        void send(int n) {
            msgNo = n;
            inFlight++;
            String to = options.scenario() == Scenario.FANOUT ? options.channelName(target(n)) : options.clientId(target(n));
            String id = options.scenario() == Scenario.FANOUT ? "" : to;
            String channelName = options.scenario() == Scenario.FANOUT ? to : "";
            long now = System.nanoTime();
            sendNanos[n] = now;
            String payload = MarkerScanner.marker(n, now);
            String filled = options.pubBody().replace("{payload}", payload).replace("{id}", id).replace("{channel}", channelName);
            PusherSigner pusher = options.pusherApp();
            byte[] body;
            String path;
            if (pusher == null) {
                body = filled.getBytes(StandardCharsets.UTF_8);
                path = pubUrl.path(id, channelName, payload);
            } else {
                // A mailbox run's client id doubles as its Pusher channel: each subscriber subscribes to its own.
                body = pusherEvent(to, filled);
                path = pusher.signedPost(pubUrl.path(id, channelName, payload), body, System.currentTimeMillis() / 1000);
            }
            FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(options.pubMethod()),
                    path, Unpooled.wrappedBuffer(body));
            req.headers().set(HttpHeaderNames.HOST, pubUrl.hostHeader())
                    .set(HttpHeaderNames.CONTENT_TYPE, pusher == null ? "text/plain; charset=utf-8" : "application/json")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            sent++;
            deadline = loop.schedule(() -> {
                inFlight--;
                msgNo = -1;
                failed(FailureCause.TIMEOUT);
                channel.close();
            }, options.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
            channel.writeAndFlush(req);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse answer) {
            if (msgNo < 0) {
                return;
            }
            deadline.cancel(false);
            inFlight--;
            if (answer.status().code() / 100 == 2) {
                accepted.set(msgNo);
                acceptedCount++;
            } else {
                failed(FailureCause.NON_2XX);
            }
            msgNo = -1;
            if (!HttpUtil.isKeepAlive(answer)) {
                // Some publish APIs (pushpin's) answer every request with Connection: close; that is not a
                // failure, so a fresh connection takes the slot at once, outside the reconnect budget.
                replaced = true;
                ctx.close();
                new Connection(slot).open();
                return;
            }
            idle[slot] = this;
            dispatch();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (idle[slot] == this) {
                idle[slot] = null;
            }
            if (msgNo >= 0) {
                deadline.cancel(false);
                inFlight--;
                failed(FailureCause.RESET);
                msgNo = -1;
            }
            if (!replaced && ticker != null && !ticker.isCancelled()) {
                reopenLater();
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failed(FailureCause.of(cause, true));
            ctx.close();
        }
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
