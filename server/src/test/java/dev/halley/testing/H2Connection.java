package dev.halley.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A raw HTTP/2 client over clear text with prior knowledge, frame by frame, for tests that must
 * send what no well-behaved client sends (floods, resets, oversized headers). HPACK is Netty's;
 * the framing is written here, so every byte on the wire is the test's choice.
 */
public final class H2Connection implements AutoCloseable {

    public static final int DATA = 0;
    public static final int HEADERS = 1;
    public static final int RST_STREAM = 3;
    public static final int SETTINGS = 4;
    public static final int PING = 6;
    public static final int GOAWAY = 7;
    public static final int WINDOW_UPDATE = 8;
    public static final int FLAG_END_STREAM = 0x1;
    public static final int FLAG_ACK = 0x1;
    public static final int FLAG_END_HEADERS = 0x4;

    /** One frame read from the server. */
    public record Frame(int type, int flags, int streamId, byte[] payload) {
        /** The error code of a RST_STREAM or GOAWAY. */
        public long errorCode() {
            ByteBuffer b = ByteBuffer.wrap(payload);
            return Integer.toUnsignedLong(b.getInt(type == GOAWAY ? 4 : 0));
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);

    private H2Connection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects, sends the preface and a SETTINGS frame with {@code initialWindowSize} (0: the default). */
    public static H2Connection open(int port, int initialWindowSize) {
        try {
            Socket s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            H2Connection c = new H2Connection(s);
            c.out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            ByteBuffer settings = ByteBuffer.allocate(initialWindowSize > 0 ? 6 : 0);
            if (initialWindowSize > 0) {
                settings.putShort((short) 4).putInt(initialWindowSize);
            }
            c.frame(SETTINGS, 0, 0, settings.array());
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends a request head on {@code streamId}; {@code extra} are name, value pairs. */
    public void request(int streamId, String method, String path, boolean endStream, String... extra) {
        Http2Headers h = new DefaultHttp2Headers().method(method).path(path).scheme("http").authority("127.0.0.1");
        for (int i = 0; i < extra.length; i += 2) {
            h.add(extra[i], extra[i + 1]);
        }
        ByteBuf block = Unpooled.buffer();
        try {
            encoder.encodeHeaders(streamId, h, block);
            byte[] bytes = new byte[block.readableBytes()];
            block.readBytes(bytes);
            frame(HEADERS, FLAG_END_HEADERS | (endStream ? FLAG_END_STREAM : 0), streamId, bytes);
        } catch (Http2Exception e) {
            throw new IllegalStateException(e);
        } finally {
            block.release();
        }
    }

    /** Decodes a HEADERS frame's block; call for every HEADERS frame read, in order (HPACK keeps state). */
    public Http2Headers decode(Frame headers) {
        ByteBuf block = Unpooled.wrappedBuffer(headers.payload());
        try {
            return decoder.decodeHeaders(headers.streamId(), block);
        } catch (Http2Exception e) {
            throw new AssertionError("the server's header block does not decode", e);
        } finally {
            block.release();
        }
    }

    public void rst(int streamId) {
        frame(RST_STREAM, 0, streamId, ByteBuffer.allocate(4).putInt(0x8).array());
    }

    public void ping(long data) {
        frame(PING, 0, 0, ByteBuffer.allocate(8).putLong(data).array());
    }

    public void emptySettings() {
        frame(SETTINGS, 0, 0, new byte[0]);
    }

    /** Writes one frame; a write the server refused by closing is ignored (the test reads what it said). */
    public void frame(int type, int flags, int streamId, byte[] payload) {
        ByteBuffer head = ByteBuffer.allocate(9);
        head.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length)
                .put((byte) type).put((byte) flags).putInt(streamId);
        try {
            out.write(head.array());
            out.write(payload);
            out.flush();
        } catch (SocketException closedByServer) {
            // The server has closed: what it sent before is still there to read.
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next frame, or null at the end of the connection; acks the server's SETTINGS. */
    public Frame read() {
        try {
            int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            int streamId = in.readInt() & 0x7fffffff;
            byte[] payload = new byte[length];
            in.readFully(payload);
            if (type == SETTINGS && (flags & FLAG_ACK) == 0) {
                frame(SETTINGS, FLAG_ACK, 0, new byte[0]);
            }
            return new Frame(type, flags, streamId, payload);
        } catch (EOFException | SocketException end) {
            return null;
        }  catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads until a frame of {@code type} (on {@code streamId}, or any stream when negative), or null at the end. */
    public Frame next(int type, int streamId) {
        for (Frame f = read(); f != null; f = read()) {
            if (f.type() == type && (streamId < 0 || f.streamId() == streamId)) {
                return f;
            }
        }
        return null;
    }

    /** Reads to the end of the connection and returns the first GOAWAY seen on the way, or null if none. */
    public Frame goAwayThenEnd() {
        Frame goAway = null;
        for (Frame f = read(); f != null; f = read()) {
            if (f.type() == GOAWAY && goAway == null) {
                goAway = f;
            }
        }
        return goAway;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
