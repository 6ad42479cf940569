package dev.halley.edge;

import dev.halley.auth.Security;
import dev.halley.broker.Broker;
import dev.halley.hub.Hub;
import dev.halley.loops.Shards;
import dev.halley.pusher.PusherGateway;
import dev.halley.transport.HttpPipeline;
import dev.halley.transport.MegaCometManagerPort;
import dev.halley.transport.Node;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Halley node: its event loops, hub and broker, and the listening sockets.
 *
 * <p>With epoll and {@link AcceptMode#REUSEPORT}, every loop binds its own socket on the port and
 * serves the connections that socket accepts, so accepting shares no queue and no lock between
 * loops. In {@link AcceptMode#SINGLE} (and on NIO, which has no {@code SO_REUSEPORT}) the first
 * loop accepts for all and hands connections to the loops in turn.
 */
public final class HalleyServer implements AutoCloseable {

    /**
     * One read-buffer sizer shared by every connection: requests are small and an idle stream
     * reads nothing, so a fixed guess serves them, and its per-connection handle is a third the
     * size of the adaptive one's (which also keeps an allocator and a calculator per connection).
     */
    private static final FixedRecvByteBufAllocator READS = new FixedRecvByteBufAllocator(4096);

    private static final int BACKLOG = 4096;

    private static final Logger log = LoggerFactory.getLogger(HalleyServer.class);

    private final ServerOptions options;
    private final EventLoopGroup loops;
    private final Broker broker;
    private final Hub hub;
    private final Node node;
    private final List<Channel> listeners = new ArrayList<>();
    private final List<LeanListener> leanListeners = new ArrayList<>();
    private final boolean epoll;
    private final List<Integer> workerPorts = new ArrayList<>();
    private final SslContext tls;
    /** Every connection's unsent-bytes limit, one instance for all. */
    private final WriteBufferWaterMark writeMarks;
    private int port;
    private int publishPort;
    private int managerPort;
    private final AtomicBoolean drainStarted = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();

    private HalleyServer(ServerOptions options, Function<Shards, Broker> brokerFactory, Function<Hub, PusherGateway> pusherFactory) {
        this.options = options;
        int high = options.limits().maxOutboundBytes();
        this.writeMarks = new WriteBufferWaterMark(high / 2, high);
        this.epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.loops = new MultiThreadIoEventLoopGroup(options.loops(), io);
        List<EventExecutor> executors = new ArrayList<>();
        loops.forEach(executors::add);
        Shards shards = new Shards(executors);
        this.broker = brokerFactory.apply(shards);
        this.hub = new Hub(shards, broker, options.limits().maxFanoutWaiting());
        Security security = options.security();
        this.node = Node.create(hub, options.transport(), security, executors,
                pusherFactory == null ? null : pusherFactory.apply(hub));
        this.tls = security.tls() ? TlsContexts.server(security.tlsCert(), security.tlsKey(), options.http2().enabled()) : null;
    }

    /**
     * Starts a node and binds its ports; on failure everything started is stopped again.
     *
     * @param brokerFactory builds the broker for this node's loops (embedded or cluster)
     */
    public static HalleyServer start(ServerOptions options, Function<Shards, Broker> brokerFactory) throws InterruptedException {
        return start(options, brokerFactory, null);
    }

    /**
     * Starts a node that also speaks the Pusher protocol ({@code /app/} and {@code /apps/}) on its
     * ports, through the gateway {@code pusherFactory} builds on the node's hub (null: it does not).
     */
    public static HalleyServer start(ServerOptions options, Function<Shards, Broker> brokerFactory,
                                     Function<Hub, PusherGateway> pusherFactory) throws InterruptedException {
        HalleyServer server = new HalleyServer(options, brokerFactory, pusherFactory);
        try {
            server.hub.start();
            server.node.startMetrics(server.loops.next());
            String publishBind = options.security().publishBind();
            HttpPipeline.Role mainRole = publishBind == null ? HttpPipeline.Role.ALL : HttpPipeline.Role.SUBSCRIBE;
            ChannelInitializer<Channel> main = server.tracked(server.http(mainRole, server.tls));
            server.port = server.leanAccept()
                    ? server.bindLean(options.bind(), options.port(), main, mainRole)
                    : server.bind(options.bind(), options.port(), main);
            if (publishBind != null) {
                String[] hostPort = Security.parsePublishBind(publishBind);
                server.publishPort = server.bind(hostPort[0], Integer.parseInt(hostPort[1]),
                        server.tracked(server.http(HttpPipeline.Role.PUBLISH, server.tls)));
            }
            if (options.megacomet().enabled()) {
                // MegaComet's clients speak plain HTTP to its worker ports, so these never use TLS.
                ChannelInitializer<Channel> plain = server.tracked(server.http(mainRole, null));
                for (int p : options.megacomet().workerPorts()) {
                    server.workerPorts.add(server.bind(options.bind(), p, plain));
                }
                server.managerPort = server.bindManager(options.megacomet().managerPort());
            }
        } catch (RuntimeException | InterruptedException e) {
            server.close();
            throw e;
        }
        log.info("event=started bind={} port={} loops={} transport={} accept={} lean_accept={} tls={} broker={}", options.bind(),
                server.port, options.loops(), server.epoll ? "epoll" : "nio", server.acceptMode().name().toLowerCase(),
                server.leanAccept() ? "on" : "off",
                server.tls == null ? "off" : server.tls.getClass().getSimpleName(), server.broker.getClass().getSimpleName());
        return server;
    }

    /** The HTTP port actually bound (useful when started on port 0). */
    public int port() {
        return port;
    }

    /** The port of the {@code --publish-bind} listener actually bound; 0 when there is none. */
    public int publishPort() {
        return publishPort;
    }

    /** The MegaComet worker ports actually bound, in the order configured; empty unless enabled. */
    public List<Integer> megacometWorkerPorts() {
        return List.copyOf(workerPorts);
    }

    /** The MegaComet manager port actually bound; 0 unless enabled. */
    public int megacometManagerPort() {
        return managerPort;
    }

    public Hub hub() {
        return hub;
    }

    /** The accept mode in force: {@link AcceptMode#SINGLE} when the transport has no {@code SO_REUSEPORT}. */
    public AcceptMode acceptMode() {
        return epoll ? options.acceptMode() : AcceptMode.SINGLE;
    }

    /**
     * Whether the main port takes the lean accept path. It needs a socket per loop on epoll, and
     * serves only plain-text subscribes open to all: with TLS or subscriber tokens every connection
     * would be handed to Netty anyway, so Netty accepts them itself. Nor with h2c: Netty's
     * stream multiplexer tells a server's connection by its parent (the listening channel), which
     * a channel made on an accepted descriptor cannot have, so an h2c connection handed off would
     * be served as a client's.
     */
    private boolean leanAccept() {
        return options.leanAccept() && acceptMode() == AcceptMode.REUSEPORT && tls == null
                && options.security().subscriberSecret() == null && !options.http2().spokenOn(false);
    }

    /**
     * Binds one {@link LeanListener} per loop on the port; a connection it hands to Netty gets the
     * options and pipeline {@link #bootstrap} gives an accepted one ({@code TCP_NODELAY} and
     * {@code SO_KEEPALIVE} it inherits from the listening socket). Returns the port bound.
     */
    private int bindLean(String host, int requestedPort, ChannelInitializer<Channel> initializer, HttpPipeline.Role role) {
        requireUnused(host, requestedPort);
        Consumer<EpollSocketChannel> handOff = ch -> {
            channelOptions(ch);
            ch.pipeline().addLast(initializer);
        };
        int bound = requestedPort;
        for (EventExecutor e : loops) {
            try {
                LeanListener listener = LeanListener.listen((EventLoop) e, new InetSocketAddress(host, bound), BACKLOG, node, role,
                        options.headerTimeout().toNanos(), handOff);
                leanListeners.add(listener);
                // Port 0 picks a free port once; every other loop must join that same port.
                bound = listener.localAddress().getPort();
            } catch (IOException ex) {
                throw new ChannelException("cannot listen on " + host + ":" + bound + ": " + ex.getMessage(), ex);
            }
        }
        return bound;
    }

    private HttpInitializer http(HttpPipeline.Role role, SslContext tlsOrNull) {
        return new HttpInitializer(node, role, tlsOrNull, options.headerTimeout().toNanos(), options.http2().spokenOn(tlsOrNull != null),
                this::channelOptions);
    }

    /** What {@link #bootstrap} sets on an accepted channel, for one made on a descriptor instead. */
    private void channelOptions(EpollSocketChannel ch) {
        ch.config().setWriteBufferWaterMark(writeMarks).setRecvByteBufAllocator(READS);
    }

    private int bindManager(int requestedPort) throws InterruptedException {
        String host = options.security().publishBind() == null ? options.bind() : Security.parsePublishBind(options.security().publishBind())[0];
        return bind(host, requestedPort, new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                MegaCometManagerPort.addHandlers(ch.pipeline(), node);
            }
        });
    }

    /** Accepted HTTP connections join the group a drain asks to finish; pipelines built by hand (tests) do not. */
    private ChannelInitializer<Channel> tracked(HttpInitializer http) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                node.track(ch);
                ch.pipeline().addLast(http);
            }
        };
    }

    /** Binds one port in the accept mode in force; returns the port bound. */
    private int bind(String host, int requestedPort, ChannelInitializer<? extends Channel> initializer) throws InterruptedException {
        if (acceptMode() == AcceptMode.SINGLE) {
            Channel ch = listen(bootstrap(loops.next(), loops, initializer), host, requestedPort);
            return ((InetSocketAddress) ch.localAddress()).getPort();
        }
        requireUnused(host, requestedPort);
        int bound = requestedPort;
        for (EventExecutor e : loops) {
            EventLoop loop = (EventLoop) e;
            ServerBootstrap b = bootstrap(loop, loop, initializer).option(EpollChannelOption.SO_REUSEPORT, true);
            Channel ch = listen(b, host, bound);
            // Port 0 picks a free port once; every other loop must join that same port.
            bound = ((InetSocketAddress) ch.localAddress()).getPort();
        }
        return bound;
    }

    /**
     * {@code SO_REUSEPORT} lets any process of the same user join a port, so a second node started
     * on a busy port would silently take half of its connections and mailboxes. A plain bind, which
     * no listener tolerates, proves the port is unused first.
     */
    private static void requireUnused(String host, int port) {
        if (port == 0) {
            return;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new ChannelException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /** Binds, or throws a {@link ChannelException} that says which address could not be had and why. */
    private Channel listen(ServerBootstrap bootstrap, String host, int port) throws InterruptedException {
        ChannelFuture bound = bootstrap.bind(host, port).await();
        if (!bound.isSuccess()) {
            throw new ChannelException("cannot listen on " + host + ":" + port + ": " + bound.cause().getMessage(), bound.cause());
        }
        listeners.add(bound.channel());
        return bound.channel();
    }

    private ServerBootstrap bootstrap(EventLoopGroup acceptor, EventLoopGroup workers, ChannelInitializer<? extends Channel> initializer) {
        Class<? extends ServerChannel> channel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        return new ServerBootstrap()
                .group(acceptor, workers)
                .channel(channel)
                .option(ChannelOption.SO_BACKLOG, BACKLOG)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, writeMarks)
                .childOption(ChannelOption.RECVBUF_ALLOCATOR, READS)
                .childHandler(initializer);
    }

    /** Connections open now, across every loop. */
    public int connections() {
        return node.counters().open();
    }

    /** Adds a section to {@code GET /status}, e.g. the cluster view; {@code section} must not block. */
    public void statusSection(String name, Supplier<Object> section) {
        node.statusSection(name, section);
    }

    /** What {@code POST /admin/drain} does; without it that endpoint answers 503. */
    public void onAdminDrain(Runnable action) {
        node.onDrainRequest(action);
    }

    /** Completes once the node is closed, by {@link #close} or at the end of {@link #drain}. */
    public CompletionStage<Void> terminated() {
        return terminated;
    }

    /**
     * Stops accepting, asks every open connection to finish (SSE: a {@code retry:} field and the end
     * of the stream; WebSocket: close 1012; a held long-poll: answered with its cursor; idle
     * keep-alive: closed), waits for them at most {@code timeout}, closes whatever is left and then
     * the node. Runs on its own thread; calling it again returns the same completion.
     */
    public CompletionStage<Void> drain(Duration timeout) {
        if (drainStarted.compareAndSet(false, true)) {
            Thread drainer = new Thread(() -> runDrain(timeout), "halley-drain");
            drainer.start();
        }
        return terminated;
    }

    private void runDrain(Duration timeout) {
        long startNanos = System.nanoTime();
        long deadline = startNanos + timeout.toNanos();
        log.info("event=drain_started port={} connections={} timeout_ms={}", port, node.trackedConnections(), timeout.toMillis());
        for (Channel ch : listeners) {
            ch.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        }
        // Connections still sending their head are closed with the lean listeners, as a drain closes idle ones.
        leanListeners.forEach(LeanListener::stop);
        node.startDrain();
        try {
            while (node.trackedConnections() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int left = node.trackedConnections();
        node.closeTracked();
        log.info("event=drain_finished port={} forced_closed={} millis={}", port, left,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
        close();
    }

    /** Closes the listening sockets and every connection, then the loops; waits a bounded time. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            terminated.join();
            return;
        }
        for (Channel ch : listeners) {
            ch.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        leanListeners.forEach(LeanListener::stop);
        node.close();
        broker.close();
        loops.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        if (port != 0) {
            log.info("event=stopped port={}", port);
        }
        terminated.complete(null);
    }
}
