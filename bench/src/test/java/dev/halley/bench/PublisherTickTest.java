package dev.halley.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PublisherTickTest {

    @Test
    void theOfferingTickFollowsTheRateBetweenOneMillisecondAndATenthOfASecond() {
        assertThat(Publisher.tickMicrosFor(1)).isEqualTo(100_000);
        assertThat(Publisher.tickMicrosFor(0)).isEqualTo(100_000);
        assertThat(Publisher.tickMicrosFor(200)).isEqualTo(5_000);
        assertThat(Publisher.tickMicrosFor(1_000)).isEqualTo(1_000);
        assertThat(Publisher.tickMicrosFor(100_000)).isEqualTo(1_000);
    }
}
