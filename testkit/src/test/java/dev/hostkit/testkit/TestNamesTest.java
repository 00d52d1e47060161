package dev.hostkit.testkit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TestNamesTest {
    @Test
    void aRunTagNeverStartsWithTheTemporaryLinkPrefix() {
        for (int i = 0; i < 20_000; i++) {
            assertThat("hk" + TestNames.randomTag(3)).hasSize(5).doesNotStartWith("hkt");
        }
    }

    @Test
    void namesFitTheKernelsLimitAndCarryTheRunPrefix() {
        String n = TestNames.next("averyveryverylongrole");
        assertThat(n).startsWith(TestNames.RUN_PREFIX);
        assertThat(n.length()).isLessThanOrEqualTo(15);
        assertThat(TestNames.ours(n)).isTrue();
    }
}
