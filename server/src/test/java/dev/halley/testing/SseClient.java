package dev.halley.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Server-Sent Events stream from a raw socket: writes the request by hand, reads the
 * status line and headers, undoes chunked transfer encoding, and parses events.
 */
public final class SseClient implements AutoCloseable {

    /** One parsed event; {@code event} is "message" unless the stream named another type. */
    public record Event(String id, String event, String data) {
    }

    private final Socket socket;
    private final InputStream in;
    private final int status;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private final StringBuilder text = new StringBuilder();
    private boolean chunked;
    private int textPos;

    private SseClient(Socket socket, int status, InputStream in) {
        this.socket = socket;
        this.status = status;
        this.in = in;
    }

    /** Connects and sends {@code GET pathAndQuery} with {@code Accept: text/event-stream} and any extra header lines. */
    public static SseClient open(int port, String pathAndQuery, String... extraHeaders) {
        try {
            Socket s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            StringBuilder req = new StringBuilder("GET " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n");
            for (String h : extraHeaders) {
                req.append(h).append("\r\n");
            }
            req.append("\r\n");
            OutputStream out = s.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String statusLine = readLine(in);
            SseClient c = new SseClient(s, Integer.parseInt(statusLine.split(" ")[1]), in);
            for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
                int colon = line.indexOf(':');
                c.headers.put(line.substring(0, colon).trim().toLowerCase(), line.substring(colon + 1).trim());
            }
            c.chunked = "chunked".equalsIgnoreCase(c.headers.get("transfer-encoding"));
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int status() {
        return status;
    }

    public String header(String name) {
        return headers.get(name.toLowerCase());
    }

    /** The next event (comments skipped), waiting at most the socket timeout. */
    public Event next() {
        String id = null;
        String event = "message";
        StringBuilder data = null;
        while (true) {
            String line = nextLine();
            if (line.isEmpty()) {
                if (data != null) {
                    return new Event(id, event, data.toString());
                }
                continue;
            }
            if (line.startsWith(":")) {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1).stripLeading();
            switch (field) {
                case "id" -> id = value;
                case "event" -> event = value;
                case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                default -> { }
            }
        }
    }

    /** The text of the next comment line ({@code :hb} gives {@code hb}), skipping events. */
    public String nextComment() {
        while (true) {
            String line = nextLine();
            if (line.startsWith(":")) {
                return line.substring(1);
            }
        }
    }

    /** Shrinks this end's receive buffer, so a client that stops reading fills the server's queue soon. */
    public void setReceiveBuffer() {
        try {
            socket.setReceiveBufferSize(4096);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next {@code n} events. */
    public List<Event> next(int n) {
        List<Event> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(next());
        }
        return out;
    }

    /** True if no event arrives within {@code millis}. */
    public boolean quietFor(int millis) {
        try {
            socket.setSoTimeout(millis);
            next();
            return false;
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof SocketTimeoutException) {
                return true;
            }
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                socket.setSoTimeout(10_000);
            } catch (IOException ignored) {
                // the socket is closed; the caller's next read reports it
            }
        }
    }

    private String nextLine() {
        try {
            while (true) {
                int nl = text.indexOf("\n", textPos);
                if (nl >= 0) {
                    String line = text.substring(textPos, nl);
                    textPos = nl + 1;
                    if (textPos > 8192) {
                        text.delete(0, textPos);
                        textPos = 0;
                    }
                    return line;
                }
                text.append(readBody());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String readBody() throws IOException {
        if (!chunked) {
            byte[] buf = new byte[4096];
            int n = in.read(buf);
            if (n < 0) {
                throw new IOException("stream ended");
            }
            return new String(buf, 0, n, StandardCharsets.UTF_8);
        }
        int size = Integer.parseInt(readLine(in).trim(), 16);
        if (size == 0) {
            throw new IOException("stream ended");
        }
        byte[] chunk = in.readNBytes(size);
        readLine(in);
        return new String(chunk, StandardCharsets.UTF_8);
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("stream ended");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.UTF_8);
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
