package dev.halley.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The dashboard ({@code /}), the browser client ({@code /halley.js}), the demo ({@code /demo})
 * and their assets ({@code /ui/...}), served from {@code web/} in the jar. The set is fixed and
 * small, so every file is read once at class load and answered from memory.
 */
final class StaticFiles {

    private record File(byte[] body, String contentType) {
    }

    private static final Map<String, File> FILES = load(Map.of(
            "/", "index.html",
            "/halley.js", "halley.js",
            "/demo", "demo.html",
            "/ui/dashboard.js", "dashboard.js",
            "/ui/demo.js", "demo.js",
            "/ui/halley.css", "halley.css"));

    private StaticFiles() {
    }

    static boolean serves(String path) {
        return FILES.containsKey(path);
    }

    static void answer(ChannelHandlerContext ctx, String path, boolean keepAlive) {
        File f = FILES.get(path);
        Replies.send(ctx, HttpResponseStatus.OK, f.contentType(), Unpooled.wrappedBuffer(f.body()), keepAlive);
    }

    private static Map<String, File> load(Map<String, String> routes) {
        Map<String, File> out = new HashMap<>();
        for (Map.Entry<String, String> route : routes.entrySet()) {
            String name = route.getValue();
            try (InputStream in = StaticFiles.class.getResourceAsStream("/web/" + name)) {
                if (in == null) {
                    throw new IllegalStateException("web/" + name + " is missing from the jar");
                }
                out.put(route.getKey(), new File(in.readAllBytes(), contentType(name)));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read web/" + name, e);
            }
        }
        return Map.copyOf(out);
    }

    private static String contentType(String name) {
        if (name.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        if (name.endsWith(".js")) {
            return "application/javascript; charset=utf-8";
        }
        return "text/css; charset=utf-8";
    }
}
