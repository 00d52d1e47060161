package dev.hostkit.cli;

import dev.hostkit.guard.MacvlanGuardian;
import dev.hostkit.guard.NamespaceSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class GuardMetricsFileTest {
    @TempDir
    Path tmp;

    @Test
    void anIdleGuardiansMetricsFileIsWrittenOnceThenOnlyWhenItChangesOrTheHeartbeatIsDue() throws Exception {
        Path file = tmp.resolve("hostkit_guard.prom");
        StringWriter errors = new StringWriter();
        PrintWriter err = new PrintWriter(errors, true);
        try (MacvlanGuardian g = MacvlanGuardian.builder()
                .stateDir(tmp.resolve("state"))
                .namespaces(NamespaceSource.of(List.of()))
                .warmUp(0)
                .build()) {
            GuardDaemon.MetricsFileWriter idle = new GuardDaemon.MetricsFileWriter(file);
            assertThat(idle.writeIfChanged(g, err)).isTrue();
            String text = Files.readString(file);
            assertThat(text).contains("hostkit_guard_interfaces_guarded 0");
            Files.setLastModifiedTime(file, FileTime.fromMillis(0));
            assertThat(idle.writeIfChanged(g, err)).isFalse(); // the same text: not rewritten
            assertThat(Files.getLastModifiedTime(file).toMillis()).isZero();

            GuardDaemon.MetricsFileWriter beating = new GuardDaemon.MetricsFileWriter(file, 0);
            assertThat(beating.writeIfChanged(g, err)).isTrue();
            assertThat(beating.writeIfChanged(g, err)).isTrue(); // the heartbeat is due at once
            assertThat(Files.readString(file)).isEqualTo(text);
        }
        assertThat(errors.toString()).isEmpty();
    }
}
