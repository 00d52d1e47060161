package dev.hostkit.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ErrnoTest {
    @Test
    void mapsNumbersBothSignsAndUnknown() {
        assertThat(Errno.of(1)).isEqualTo(Errno.EPERM);
        assertThat(Errno.of(-19)).isEqualTo(Errno.ENODEV);
        assertThat(Errno.of(95)).isEqualTo(Errno.EOPNOTSUPP);
        assertThat(Errno.of(133)).isEqualTo(Errno.EHWPOISON);
        assertThat(Errno.of(41)).isEqualTo(Errno.UNKNOWN);
        assertThat(Errno.of(9999)).isEqualTo(Errno.UNKNOWN);
    }

    @Test
    void everyNumberIsUnique() {
        assertThat(java.util.Arrays.stream(Errno.values())
                        .mapToInt(Errno::number)
                        .distinct()
                        .count())
                .isEqualTo(Errno.values().length);
    }

    @Test
    void nativeExceptionNamesCallTargetAndErrno() {
        NativeException e = new NativeException("setns", "/proc/4242/ns/net", 1);
        assertThat(e).hasMessage("setns(/proc/4242/ns/net): EPERM (Operation not permitted)");
        assertThat(e.errno()).isEqualTo(Errno.EPERM);
        assertThat(new NativeException("socket", "", 9999)).hasMessage("socket: errno 9999");
    }
}
