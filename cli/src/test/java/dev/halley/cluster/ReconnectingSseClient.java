package dev.halley.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntSupplier;

/**
 * An SSE subscriber on a raw socket that behaves like a browser's EventSource: it remembers the
 * last event id and, when its connection ends, reconnects (to the port {@code nextPort} names)
 * with {@code Last-Event-ID}. Every {@code data:} line it receives is kept, to count losses and
 * duplicates.
 */
final class ReconnectingSseClient implements Runnable {

    final List<String> data = new CopyOnWriteArrayList<>();
    final List<String> gaps = new CopyOnWriteArrayList<>();
    private final String host;
    private final String path;
    private final IntSupplier nextPort;
    private final long stopAtNanos;
    private volatile String lastEventId;
    private volatile boolean opened;
    private volatile int reconnects;
    private volatile Socket socket;
    private volatile boolean stopped;

    ReconnectingSseClient(String path, String since, IntSupplier nextPort, long stopAtNanos) {
        this("127.0.0.1", path, since, nextPort, stopAtNanos);
    }

    /** A subscriber of a node that listens on {@code host} (one in a test network namespace). */
    ReconnectingSseClient(String host, String path, String since, IntSupplier nextPort, long stopAtNanos) {
        this.host = host;
        this.path = path;
        this.lastEventId = since;
        this.nextPort = nextPort;
        this.stopAtNanos = stopAtNanos;
    }

    boolean opened() {
        return opened;
    }

    int reconnects() {
        return reconnects;
    }

    void stop() throws IOException {
        stopped = true;
        Socket s = socket;
        if (s != null) {
            s.close();
        }
    }

    @Override
    public void run() {
        while (!stopped && System.nanoTime() < stopAtNanos) {
            try (Socket s = new Socket()) {
                socket = s;
                s.connect(new InetSocketAddress(host, nextPort.getAsInt()), 2000);
                OutputStream out = s.getOutputStream();
                String request = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nAccept: text/event-stream\r\n"
                        + (lastEventId != null ? "Last-Event-ID: " + lastEventId + "\r\n" : "") + "\r\n";
                out.write(request.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                read(new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)));
            } catch (IOException e) {
                // Connection refused or reset: the node is gone; try again like EventSource does.
            }
            reconnects++;
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Reads the chunked event stream line by line; chunk-size lines never look like fields. */
    private void read(BufferedReader in) throws IOException {
        String line;
        boolean gapEvent = false;
        while ((line = in.readLine()) != null) {
            if (line.startsWith(":ok")) {
                opened = true;
            } else if (line.startsWith("id: ")) {
                lastEventId = line.substring(4);
            } else if (line.equals("event: gap")) {
                gapEvent = true;
            } else if (line.startsWith("data: ")) {
                if (gapEvent) {
                    gaps.add(line.substring(6));
                    gapEvent = false;
                } else {
                    data.add(line.substring(6));
                }
            }
        }
    }
}
