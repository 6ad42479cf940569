package dev.halley.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;

/**
 * The HTTP/2 connections of one {@link SubscriberPool}: subscriber {@code i} of the pool is a
 * stream on connection {@code i / streamsPerConnection}, which is opened when its first stream is
 * due. h2c speaks HTTP/2 from the first byte (prior knowledge); an https URL negotiates h2 by ALPN
 * and fails the connection's subscribers if the server picks anything else.
 *
 * <p>Threading: {@link #open} is called on the pool's opener loop, the only one that touches the
 * connection table. A subscriber's stream is opened and then lives on its connection's loop; the
 * promise of a connection hands each waiting subscriber over to that loop (happens-before).
 */
final class Http2Sockets {

    /** Server-initiated streams (push is refused in our SETTINGS, so none should come) are closed. */
    private static final ChannelInitializer<Http2StreamChannel> REFUSE_PUSHED = new ChannelInitializer<>() {
        @Override
        protected void initChannel(Http2StreamChannel ch) {
            ch.close();
        }
    };

    private final SubscriberPool pool;
    private final Bootstrap base;
    private final InetSocketAddress remote;
    private final InetAddress[] sources;
    private final int streamsPerConnection;
    private final SslContext tls;
    private final UrlTemplate url;
    /**
     * Completed with the connection once it speaks HTTP/2; index = pool-local subscriber /
     * streamsPerConnection. Subscribers are opened in index order, so it grows by appending.
     */
    private final List<Promise<Channel>> sockets = new ArrayList<>();
    /** Read by {@link #close} on the thread that stops the run, hence copy-on-write. */
    private final List<Channel> channels = new CopyOnWriteArrayList<>();
    private final AtomicInteger connected = new AtomicInteger();

    Http2Sockets(SubscriberPool pool, Bootstrap base, UrlTemplate url, InetSocketAddress remote, InetAddress[] sources) {
        this.pool = pool;
        this.base = base;
        this.url = url;
        this.remote = remote;
        this.sources = sources;
        this.streamsPerConnection = pool.options.streamsPerConnection();
        this.tls = url.tls() ? clientTls(pool.options.insecure()) : null;
    }

    private static SslContext clientTls(boolean insecure) {
        SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2));
        if (insecure) {
            b.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
        }
        try {
            return b.build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot set up TLS for the https --sub-url: " + e.getMessage(), e);
        }
    }

    /** Opens subscriber {@code s}, the pool's {@code local}-th, as a stream; its connection first if it is the first stream. */
    void open(Subscriber s, int local) {
        int k = local / streamsPerConnection;
        if (k == sockets.size()) {
            sockets.add(connect(k));
        }
        sockets.get(k).addListener(f -> {
            if (f.isSuccess()) {
                openStream((Channel) f.getNow(), s);
            } else {
                pool.fail(s, FailureCause.of(f.cause(), false));
            }
        });
    }

    private void openStream(Channel socket, Subscriber s) {
        Http2StreamChannelBootstrap b = new Http2StreamChannelBootstrap(socket)
                .handler(new Http2StreamSubscriber(pool, s, url.tls() ? "https" : "http"));
        b.open().addListener(f -> {
            if (f.isSuccess()) {
                s.channel = (Channel) f.getNow();
            } else {
                pool.fail(s, FailureCause.of(f.cause(), true));
            }
        });
    }

    private Promise<Channel> connect(int k) {
        // Completed on the connection's loop; an immediate executor runs each listener right there.
        Promise<Channel> ready = ImmediateEventExecutor.INSTANCE.newPromise();
        Bootstrap b = base.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                if (tls == null) {
                    http2(ch.pipeline(), ready);
                } else {
                    ch.pipeline().addLast(tls.newHandler(ch.alloc(), url.bareHost(), url.port()));
                    ch.pipeline().addLast(new AlpnH2Only(ready));
                }
            }
        });
        ChannelFuture f = sources.length == 0 ? b.connect(remote)
                : b.connect(remote, new InetSocketAddress(sources[k % sources.length], 0));
        channels.add(f.channel());
        f.addListener(done -> {
            if (!done.isSuccess()) {
                ready.tryFailure(done.cause());
            }
        });
        f.channel().closeFuture().addListener(closed -> ready.tryFailure(new ClosedChannelException()));
        ready.addListener(done -> {
            if (done.isSuccess()) {
                connected.incrementAndGet();
            }
        });
        return ready;
    }

    /** Makes {@code p} an HTTP/2 client connection: the frame codec, one child channel per stream. */
    private static void http2(ChannelPipeline p, Promise<Channel> ready) {
        p.addLast(Http2FrameCodecBuilder.forClient().initialSettings(Http2Settings.defaultSettings().pushEnabled(false)).build());
        p.addLast(new Http2MultiplexHandler(REFUSE_PUSHED));
        p.addLast(new SocketHandler(ready));
    }

    /** Connections that connected (and, over TLS, agreed on h2). */
    int connected() {
        return connected.get();
    }

    /** Closes every connection, and with them their streams; called once, after the opener stopped. */
    void close() {
        for (Channel ch : channels) {
            if (ch != null) {
                ch.close();
            }
        }
    }

    /** Over TLS: h2 once ALPN picked it, else every subscriber of this connection fails. */
    private static final class AlpnH2Only extends ApplicationProtocolNegotiationHandler {

        private final Promise<Channel> ready;

        AlpnH2Only(Promise<Channel> ready) {
            super(ApplicationProtocolNames.HTTP_1_1);
            this.ready = ready;
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                http2(ctx.pipeline(), ready);
            } else {
                ready.tryFailure(new IllegalStateException("the server chose " + protocol + " by ALPN, not h2"));
                ctx.close();
            }
        }

        @Override
        protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
            // Counted once per subscriber as a connect failure; the run's report says how many, no log line per socket.
            ready.tryFailure(cause);
            ctx.close();
        }
    }

    /** The connection speaks HTTP/2 once it is active with the codec in place; a connection error closes it. */
    private static final class SocketHandler extends ChannelInboundHandlerAdapter {

        private final Promise<Channel> ready;

        SocketHandler(Promise<Channel> ready) {
            this.ready = ready;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            // Over TLS the codec is added after the handshake, when the connection is long active.
            if (ctx.channel().isActive()) {
                ready.trySuccess(ctx.channel());
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ready.trySuccess(ctx.channel());
            ctx.fireChannelActive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // Its streams see the close and count their subscribers as reset.
            ready.tryFailure(cause);
            ctx.close();
        }
    }
}
