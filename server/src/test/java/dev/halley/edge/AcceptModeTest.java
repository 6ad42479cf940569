package dev.halley.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halley.broker.LocalBroker;
import dev.halley.testing.SseClient;
import dev.halley.testing.TestServer;
import io.netty.channel.ChannelException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class AcceptModeTest {

    @ParameterizedTest
    @EnumSource(AcceptMode.class)
    void bothAcceptModesSpreadConnectionsOverEveryLoopAndDeliver(AcceptMode mode) {
        try (TestServer s = TestServer.start(ServerOptions.DEFAULTS.withLoops(2).withAcceptMode(mode))) {
            List<SseClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 40; i++) {
                    clients.add(SseClient.open(s.port(), "/sub/channel/all"));
                }
                s.awaitSubscriptions(40);
                JsonNode status = TestServer.json(s.get("/status").body());
                assertThat(status.get("acceptMode").asText()).isEqualTo(mode.name().toLowerCase());
                assertThat(status.at("/connections/perLoop")).allSatisfy(n -> assertThat(n.asInt()).isPositive());

                String id = s.publish("channel/all", "to everyone");
                for (SseClient c : clients) {
                    assertThat(c.next().id()).isEqualTo(id);
                }
            } finally {
                clients.forEach(SseClient::close);
            }
        }
    }

    @Test
    void aSecondNodeCannotSilentlyShareABusyPort() {
        try (TestServer s = TestServer.start()) {
            ServerOptions same = ServerOptions.DEFAULTS.withLoops(2).withBind("127.0.0.1").withPort(s.port());
            assertThatThrownBy(() -> HalleyServer.start(same, shards -> new LocalBroker(shards, same.broker(), Clock.systemUTC())))
                    .isInstanceOf(ChannelException.class)
                    .hasMessageContaining("cannot listen on 127.0.0.1:" + s.port());
            assertThat(s.publish("client/still", "served")).isNotBlank();
        }
    }
}
