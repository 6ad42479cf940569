package dev.halley.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halley.edge.ServerOptions;
import dev.halley.testing.H2Connection;
import dev.halley.testing.TestServer;
import io.netty.handler.codec.http2.Http2Error;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * HTTP/2 used as a weapon: each abuse is limited, the abusing connection is closed (GOAWAY) or
 * its excess refused, and the server goes on serving everyone else.
 */
@Timeout(60)
class Http2AbuseTest {

    private static final Http2Options TIGHT = new Http2Options(true, true, 4, 20, 20, Duration.ofSeconds(60), 8 * 1024 * 1024);

    private static TestServer server() {
        return TestServer.start(ServerOptions.DEFAULTS.withLoops(2).withHttp2(TIGHT));
    }

    /** A fresh h2c connection is served: the abuse cost the server nothing lasting. */
    private static void stillServes(TestServer s) {
        try (H2Connection fresh = H2Connection.open(s.port(), 0)) {
            fresh.request(1, "GET", "/status", true);
            assertThat(fresh.decode(fresh.next(H2Connection.HEADERS, 1)).status().toString()).isEqualTo("200");
        }
        assertThat(s.get("/status").statusCode()).isEqualTo(200);
    }

    @Test
    void rapidResetClosesTheConnection() {
        try (TestServer s = server(); H2Connection abuser = H2Connection.open(s.port(), 0)) {
            for (int stream = 1; stream < 2 * 100; stream += 2) {
                abuser.request(stream, "GET", "/sub/channel/x", true, "accept", "text/event-stream");
                abuser.rst(stream);
            }
            // Each reset stream is answered with a reset too, so Netty's budget of resets sent or
            // received runs out first, whichever it is: either way the connection ends with GOAWAY.
            assertThat(abuser.goAwayThenEnd()).as("GOAWAY, then the close").isNotNull();
            stillServes(s);
        }
    }

    @Test
    void aPingFloodClosesTheConnection() {
        try (TestServer s = server(); H2Connection abuser = H2Connection.open(s.port(), 0)) {
            for (int i = 0; i < 100; i++) {
                abuser.ping(i);
            }
            H2Connection.Frame goAway = abuser.goAwayThenEnd();
            assertThat(goAway).isNotNull();
            assertThat(goAway.errorCode()).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
            s.awaitStatus("the abuse counted", st -> st.at("/connections/rejected/http2_abuse").asInt() >= 1);
            stillServes(s);
        }
    }

    @Test
    void aSettingsFloodClosesTheConnection() {
        try (TestServer s = server(); H2Connection abuser = H2Connection.open(s.port(), 0)) {
            for (int i = 0; i < 100; i++) {
                abuser.emptySettings();
            }
            H2Connection.Frame goAway = abuser.goAwayThenEnd();
            assertThat(goAway).isNotNull();
            assertThat(goAway.errorCode()).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
            stillServes(s);
        }
    }

    @Test
    void streamsPastTheLimitAreRefusedAndPersistingClosesTheConnection() {
        try (TestServer s = server(); H2Connection greedy = H2Connection.open(s.port(), 0)) {
            for (int stream = 1; stream <= 7; stream += 2) {
                greedy.request(stream, "GET", "/sub/channel/x", true, "accept", "text/event-stream");
                assertThat(greedy.decode(greedy.next(H2Connection.HEADERS, stream)).status().toString()).isEqualTo("200");
            }
            greedy.request(9, "GET", "/sub/channel/x", true, "accept", "text/event-stream");
            H2Connection.Frame refused = greedy.next(H2Connection.RST_STREAM, 9);
            assertThat(refused.errorCode()).isEqualTo(Http2Error.REFUSED_STREAM.code());
            s.awaitSubscriptions(4);
            for (int stream = 11; stream < 11 + 2 * 40; stream += 2) {
                greedy.request(stream, "GET", "/sub/channel/x", true, "accept", "text/event-stream");
            }
            assertThat(greedy.goAwayThenEnd()).as("refusing past the reset budget ends the connection").isNotNull();
            stillServes(s);
        }
    }

    @Test
    void anOversizedHeaderBlockIsRefusedUnserved() {
        try (TestServer s = server(); H2Connection big = H2Connection.open(s.port(), 0)) {
            big.request(1, "GET", "/status", true, "x-filler", "y".repeat(Limits.DEFAULTS.maxHeaderBytes() * 2));
            H2Connection.Frame answer = null;
            for (H2Connection.Frame f = big.read(); f != null; f = big.read()) {
                if (f.streamId() == 1 && (f.type() == H2Connection.HEADERS || f.type() == H2Connection.RST_STREAM)
                        || f.type() == H2Connection.GOAWAY) {
                    answer = f;
                    break;
                }
            }
            assertThat(answer).isNotNull();
            if (answer.type() == H2Connection.HEADERS) {
                assertThat(big.decode(answer).status().toString()).isEqualTo("431");
            }
            stillServes(s);
        }
    }
}
