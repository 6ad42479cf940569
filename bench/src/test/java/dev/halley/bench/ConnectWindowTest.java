package dev.halley.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ConnectWindowTest {

    @Test
    void opensNoMoreThanTheWindowUntilSomethingAnswers() {
        ConnectWindow w = new ConnectWindow(100);
        for (int i = 0; i < ConnectWindow.INITIAL; i++) {
            assertThat(w.tryOpen()).isTrue();
        }
        assertThat(w.tryOpen()).isFalse();
        assertThat(w.pending()).isEqualTo(ConnectWindow.INITIAL);
    }

    @Test
    void growsByOnePerSubscribeUntilTheFirstFailureThenHalvesAndGrowsSlowly() {
        ConnectWindow w = new ConnectWindow(100);
        for (int i = 0; i < 12; i++) {
            assertThat(w.tryOpen()).isTrue();
            w.subscribed();
        }
        assertThat(w.size()).isEqualTo(ConnectWindow.INITIAL + 12);
        assertThat(w.tryOpen()).isTrue();
        w.failed();
        assertThat(w.size()).isEqualTo((ConnectWindow.INITIAL + 12) / 2);
        assertThat(w.failures()).isEqualTo(1);
        // Past the first failure about a window's worth of subscribes (8 + 1/8 + 1/8.1...) adds one place, not 8.
        for (int i = 0; i < 9; i++) {
            assertThat(w.tryOpen()).isTrue();
            w.subscribed();
        }
        assertThat(w.size()).isEqualTo(9);
    }

    @Test
    void staysWithinOneAndItsMaximum() {
        ConnectWindow w = new ConnectWindow(6);
        for (int i = 0; i < 50; i++) {
            assertThat(w.tryOpen()).isTrue();
            w.subscribed();
        }
        assertThat(w.size()).isEqualTo(6);
        for (int i = 0; i < 10; i++) {
            assertThat(w.tryOpen()).isTrue();
            w.failed();
        }
        assertThat(w.size()).isEqualTo(1);
        assertThat(w.tryOpen()).isTrue();
        assertThat(w.tryOpen()).isFalse();
    }

    @Test
    void rejectsAMaximumOutsideItsRangeAndAnAnswerThatNeverEntered() {
        assertThatThrownBy(() -> new ConnectWindow(0)).hasMessage("--max-pending must be between 1 and 1000000, got 0");
        assertThatThrownBy(() -> new ConnectWindow(100).subscribed()).isInstanceOf(IllegalStateException.class);
    }
}
