package dev.hostkit.cli;

import dev.hostkit.guard.GuardianStatus;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** MacvlanLost answered from a running guardian's status: NPD's exit statuses, and a line NPD keeps whole. */
class NpdCheckStatusTest {
    private static GuardianStatus.Missing missing(String name, boolean waits) {
        return new GuardianStatus.Missing(name, 4026532001L, 0, "bond4.3", waits);
    }

    @Test
    void nothingMissingIsOkAndNamesTheGuardian() {
        NpdCheck.Answer a = NpdCheck.fromStatus(new GuardianStatus(812, 3, List.of()));

        assertThat(a.status()).isEqualTo(NpdCheck.OK);
        assertThat(a.line()).isEqualTo("3 guarded macvlan(s) present (guardian pid 812)");
    }

    @Test
    void waitingForAParentAndNotRecreatedUnderOneAreProblems() {
        NpdCheck.Answer waits = NpdCheck.fromStatus(new GuardianStatus(1, 1, List.of(missing("eth1", true))));
        NpdCheck.Answer failing = NpdCheck.fromStatus(new GuardianStatus(1, 1, List.of(missing("eth1", false))));
        NpdCheck.Answer many = NpdCheck.fromStatus(
                new GuardianStatus(1, 40, List.of(missing("eth1", true), missing("eth2", true), missing("e3", true))));

        assertThat(waits.status()).isEqualTo(NpdCheck.PROBLEM);
        assertThat(waits.line()).isEqualTo("eth1 in net:[4026532001] waits for parent bond4.3");
        assertThat(failing.status()).isEqualTo(NpdCheck.PROBLEM);
        assertThat(failing.line())
                .isEqualTo("eth1 missing in net:[4026532001] (parent bond4.3 present, not recreated)");
        assertThat(failing.line()).hasSizeLessThanOrEqualTo(NpdCheck.MAX_LINE);
        assertThat(many.line()).isEqualTo("3 lost: eth1 in net:[4026532001] waits for parent bond4.3");
    }
}
