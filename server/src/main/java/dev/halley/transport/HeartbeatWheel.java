package dev.halley.transport;

import dev.halley.loops.TickWheel;
import io.netty.channel.EventLoop;
import java.time.Duration;

/**
 * The streams' heartbeats on the loops' shared {@link TickWheel}: one timer per loop for the SSE
 * comments and WebSocket pings of all its idle streams.
 */
final class HeartbeatWheel {

    /** What beats: writes its heartbeat, or closes a peer that stopped answering. */
    interface Stream extends TickWheel.Member {
    }

    private static final TickWheel HEARTBEATS = new TickWheel();

    private HeartbeatWheel() {
    }

    /** Puts {@code stream} on its loop's heartbeat wheel; called on that loop ({@link TickWheel#join}). */
    static void join(EventLoop loop, Duration period, Stream stream) {
        HEARTBEATS.join(loop, period, stream);
    }

    /** Takes {@code stream} off its loop's heartbeat wheel, if it is on it. Called on the stream's loop. */
    static void leave(Stream stream) {
        HEARTBEATS.leave(stream);
    }
}
