package dev.hostkit.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KernelVersionTest {
    @Test
    void parsesDistributionReleases() {
        KernelVersion rhel = KernelVersion.parse("3.10.0-1160.el7.x86_64\n");
        assertThat(rhel.major()).isEqualTo(3);
        assertThat(rhel.minor()).isEqualTo(10);
        assertThat(rhel.patch()).isZero();
        assertThat(rhel.release()).isEqualTo("3.10.0-1160.el7.x86_64");
        assertThat(KernelVersion.parse("6.6").patch()).isZero();
        assertThat(KernelVersion.parse("5.4.0-150-generic").atLeast(5, 4)).isTrue();
    }

    @Test
    void ordersByNumbersNotText() {
        assertThat(KernelVersion.parse("4.19.1")).isLessThan(KernelVersion.parse("4.100.0"));
        assertThat(KernelVersion.parse("6.1.54").atLeast(6, 1, 54)).isTrue();
        assertThat(KernelVersion.parse("6.1.53").atLeast(6, 1, 54)).isFalse();
    }

    @Test
    void rejectsGarbageNamingIt() {
        assertThatThrownBy(() -> KernelVersion.parse("linux")).hasMessageContaining("'linux'");
    }

    @Test
    void readsTheRunningKernel() {
        assertThat(KernelVersion.current().major()).isGreaterThanOrEqualTo(3);
    }
}
