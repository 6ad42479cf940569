package dev.halley.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MessageIdTest {

    @Test
    void parsesWhatItPrints() {
        MessageId id = new MessageId("mwt5c9h6", 1795431136078000L);
        assertThat(id.toString()).isEqualTo("mwt5c9h6-1795431136078000");
        assertThat(MessageId.parse(id.toString())).isEqualTo(id);
    }

    @Test
    void ordersBySeqWithinAnEpoch() {
        assertThat(MessageId.parse("e-2")).isGreaterThan(MessageId.parse("e-1"));
        assertThat(MessageId.parse("e-2").sameEpoch(MessageId.parse("f-2"))).isFalse();
    }

    @Test
    void refusesWhatIsNotAnId() {
        for (String bad : new String[] {"", "-1", "e-", "e", "e-x", "e-1.5", "e-f-1", "é-1", "e-" + "9".repeat(30), "e--1"}) {
            assertThatThrownBy(() -> MessageId.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
