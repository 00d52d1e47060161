package dev.hostkit.guard;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class RetryDelayTest {
    @Test
    void aFailedRepairWaits100MsDoublingUpToOneSecond() {
        long[] millis = new long[8];
        for (int n = 1; n <= 8; n++) {
            millis[n - 1] = Duration.ofNanos(Reconciler.retryDelayNanos(n)).toMillis();
        }
        assertThat(millis).containsExactly(100, 200, 400, 800, 1000, 1000, 1000, 1000);
        assertThat(Reconciler.retryDelayNanos(1_000_000)).isEqualTo(Reconciler.MAX_RETRY_DELAY.toNanos());
    }
}
