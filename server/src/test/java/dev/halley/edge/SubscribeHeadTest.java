package dev.halley.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The lean path's head parser fed a byte at a time, as microhttp's tests feed theirs. */
class SubscribeHeadTest {

    private static final int LINE = 4096;
    private static final int HEADERS = 8192;

    @Test
    void aPlainSubscribeIsIncompleteUntilItsBlankLineThenComplete() {
        String head = "GET /sub/channel/x?since=5 HTTP/1.1\r\nHost: h\r\naccept:  text/event-stream \r\nLast-Event-ID: 7\r\n\r\n";
        byte[] bytes = head.getBytes(StandardCharsets.US_ASCII);
        for (int n = 0; n < bytes.length; n++) {
            assertThat(SubscribeHead.parse(bytes, n, LINE, HEADERS)).as("after %d bytes", n).isSameAs(SubscribeHead.INCOMPLETE);
        }
        assertThat(SubscribeHead.parse(bytes, bytes.length, LINE, HEADERS))
                .isEqualTo(new SubscribeHead(bytes.length, "/sub/channel/x?since=5", "text/event-stream", "7"));
    }

    @Test
    void anythingElseIsHandedOffAsSoonAsItDiffers() {
        String[] others = {
            "POST /sub/client/a HTTP/1.1\r\n\r\n",
            "GET /status HTTP/1.1\r\n\r\n",
            "GET /subway HTTP/1.1\r\n\r\n",
            "GET /sub/client/a HTTP/1.0\r\n\r\n",
            "GET /sub/client/a#f HTTP/1.1\r\n\r\n",
            "GET /sub/client/a HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",
            "GET /sub/client/a HTTP/1.1\r\nOrigin: http://o\r\n\r\n",
            "GET /sub/client/a HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
            "GET /sub/client/a HTTP/1.1\r\nAccept: a\r\nAccept: b\r\n\r\n",
            "GET /sub/client/a HTTP/1.1\r\n folded: x\r\n\r\n",
            "GET /sub/client/a HTTP/1.1\nAccept: x\n\n",
            "GET /sub/client/a HTTP/1.1\r\nX: \u00e9\r\n\r\n",
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        };
        for (String other : others) {
            byte[] bytes = other.getBytes(StandardCharsets.ISO_8859_1);
            assertThat(SubscribeHead.parse(bytes, bytes.length, LINE, HEADERS)).as(other).isSameAs(SubscribeHead.HAND_OFF);
        }
    }

    @Test
    void aHeadNearNettysLimitsIsHandedOff() {
        byte[] longLine = ("GET /sub/client/" + "a".repeat(200) + " HTTP/1.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        assertThat(SubscribeHead.parse(longLine, longLine.length, 200, HEADERS)).isSameAs(SubscribeHead.HAND_OFF);
        byte[] bigHeaders = ("GET /sub/client/a HTTP/1.1\r\nX: " + "b".repeat(300) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        assertThat(SubscribeHead.parse(bigHeaders, bigHeaders.length, LINE, 300)).isSameAs(SubscribeHead.HAND_OFF);
    }
}
