package dev.halley.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.unix.FileDescriptor;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.net.InetAddress;

/**
 * The names of an HTTP connection's handlers and the transports' part of its pipeline. The edge
 * adds its own handlers (gate, TLS, codec, head timeout) under the names given here, then calls
 * {@link #addRequestHandlers}; a stream that takes a connection over removes what it no longer
 * needs by these names, so the transports never reach into the edge.
 */
public final class HttpPipeline {

    /** What a listener serves. */
    public enum Role {
        /** Everything: the default single port. */
        ALL,
        /** Everything but publishing, which a separate publish listener serves. */
        SUBSCRIBE,
        /** Publishing and status only: the {@code --publish-bind} listener. */
        PUBLISH
    }

    /**
     * How a plain HTTP/1.1 connection that a held long-poll took off Netty goes back to Netty once
     * it is answered, for its next request: the edge makes a channel on the same descriptor and
     * loop with the pipeline of the listener it came from, still counted as the same connection.
     */
    public interface Reentry {
        /**
         * Called on {@code loop}, the connection's. Ownership of {@code fd} and {@code readSoFar}
         * (what the client has sent since its last request, read first; may be empty) passes here.
         *
         * @param peer the client's address; null when it had none
         */
        void reenter(EventLoop loop, FileDescriptor fd, InetAddress peer, ByteBuf readSoFar);
    }

    /** The HTTP codec the edge adds; an SSE stream removes it once its answer head is written. */
    public static final String CODEC = "http";
    /** The edge's request-head timeout; removed when a connection becomes a stream. */
    public static final String HEAD_TIMEOUT = "head-timeout";
    static final String PIPELINED = "pipelined";
    static final String AGGREGATOR = "aggregator";
    static final String CORS = "cors";
    static final String ROUTER = "router";

    /** HTTP/2's connection codec, its stream multiplexer and the connection's guard. */
    static final String H2_CODEC = "h2";
    static final String H2_MULTIPLEX = "h2-multiplex";

    private HttpPipeline() {
    }

    /**
     * Makes the connection HTTP/2 from handler {@code after} on: the frame codec with the node's
     * limits (streams, header list size, resets), the multiplexer whose every stream gets
     * {@link ChunkFrames}, an HTTP/1-style codec and the same request handlers as an HTTP/1.1
     * connection, and the {@link Http2Guard}, which also bounds the bytes all streams queue. The HTTP/1.1 handlers the edge added are removed.
     */
    public static void switchToHttp2(ChannelPipeline p, String after, Node node, Role role, long idleWithoutStreamsNanos) {
        for (String name : new String[] {PIPELINED, HEAD_TIMEOUT, AGGREGATOR, CORS, ROUTER}) {
            if (p.get(name) != null) {
                p.remove(name);
            }
        }
        Http2Options h2 = node.options().http2();
        int windowSeconds = (int) h2.abuseWindow().toSeconds();
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(h2.maxConcurrentStreams())
                        .maxHeaderListSize(node.limits().maxHeaderBytes()))
                .decoderEnforceMaxRstFramesPerWindow(h2.maxResetsPerWindow(), windowSeconds)
                .encoderEnforceMaxRstFramesPerWindow(h2.maxResetsPerWindow(), windowSeconds)
                .build();
        Http2Guard guard = new Http2Guard(node, idleWithoutStreamsNanos);
        p.addAfter(after, H2_CODEC, codec);
        p.addAfter(H2_CODEC, H2_MULTIPLEX, new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                guard.streamOpened(stream);
                // A stream is held to the same unsent-bytes limit as a connection.
                stream.config().setWriteBufferWaterMark(stream.parent().config().getWriteBufferWaterMark());
                ChannelPipeline sp = stream.pipeline();
                sp.addLast(ChunkFrames.NAME, new ChunkFrames(guard));
                sp.addLast(CODEC, new Http2StreamFrameToHttpObjectCodec(true));
                // One request per stream: nothing to keep in order, so no PipelinedRequests.
                addRequestReaders(sp, node, role, null);
            }
        }));
        p.addAfter(H2_MULTIPLEX, Http2Guard.NAME, guard);
    }

    /**
     * Adds what keeps answers in request order, reads whole requests and routes them (pipelined
     * requests, aggregator, CORS, router) after the edge's HTTP/1.1 codec. {@link PipelinedRequests}
     * goes before the edge's head timeout when there is one, so that the timeout sees a waiting
     * request's head only once it goes on.
     *
     * @param reentry how a held long-poll's connection comes back after its answer; null: polls
     *                stay on their channel (TLS, or not epoll)
     */
    public static void addRequestHandlers(ChannelPipeline p, Node node, Role role, Reentry reentry) {
        if (p.get(HEAD_TIMEOUT) != null) {
            p.addBefore(HEAD_TIMEOUT, PIPELINED, new PipelinedRequests());
        } else {
            p.addLast(PIPELINED, new PipelinedRequests());
        }
        addRequestReaders(p, node, role, reentry);
    }

    private static void addRequestReaders(ChannelPipeline p, Node node, Role role, Reentry reentry) {
        p.addLast(AGGREGATOR, new HttpObjectAggregator(node.limits().maxMessageBytes()));
        p.addLast(CORS, new CrossOrigin(node.origins()));
        p.addLast(ROUTER, new RequestRouter(node, role, reentry));
    }

    /**
     * Removes what only reading requests needs, once a connection has become a stream whose
     * answer head is written: the pipelined requests (a request after a stream's is never
     * answered), the edge's head timeout (when it added one), the aggregator (if still there) and
     * CORS.
     */
    static void dropRequestHandling(ChannelPipeline p) {
        if (p.get(PIPELINED) != null) {
            p.remove(PIPELINED);
        }
        if (p.get(HEAD_TIMEOUT) != null) {
            p.remove(HEAD_TIMEOUT);
        }
        if (p.get(AGGREGATOR) != null) {
            p.remove(AGGREGATOR);
        }
        p.remove(CORS);
    }
}
