package dev.halley.bench;

import dev.halley.broker.BrokerOptions;
import dev.halley.broker.LocalBroker;
import dev.halley.edge.HalleyServer;
import dev.halley.edge.ServerOptions;
import java.time.Clock;

/** A real Halley node in the test's process for the bench to drive: two loops, the embedded broker, an ephemeral loopback port. */
final class LocalNode {

    private LocalNode() {
    }

    static HalleyServer start() throws InterruptedException {
        return start(ServerOptions.DEFAULTS);
    }

    /** {@code options} on 127.0.0.1, an ephemeral port and two loops. */
    static HalleyServer start(ServerOptions options) throws InterruptedException {
        return HalleyServer.start(options.withPort(0).withBind("127.0.0.1").withLoops(2),
                shards -> new LocalBroker(shards, BrokerOptions.DEFAULTS, Clock.systemUTC()));
    }
}
