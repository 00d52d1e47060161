package dev.hostkit.guard;

import dev.hostkit.guard.NamespaceSource.Look;
import dev.hostkit.guard.NamespaceSource.LookError;
import dev.hostkit.guard.Observation.NamespaceStatus;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class GoneEvidenceTest {
    private static final Look COMPLETE = new Look(List.of(), List.of());
    private static final Look PID1_UNREADABLE =
            new Look(List.of(), List.of(new LookError(Path.of("/nonexistent/1/ns/net"), "EACCES", "denied")));
    private static final Look ANOTHER_UNREADABLE = new Look(
            List.of(),
            List.of(
                    new LookError(Path.of("/nonexistent/1/ns/net"), "EACCES", "denied"),
                    new LookError(Path.of("/nonexistent/2/ns/net"), "EACCES", "denied")));

    private static NamespaceStatus notFound(Guarded g, Look look) {
        return GoneEvidence.notFound(g, look, GoneEvidence.keys(look));
    }

    @Test
    void aCompleteLookProvesGone() {
        assertThat(notFound(new Guarded(Snapshots.ns(5)), COMPLETE)).isEqualTo(NamespaceStatus.GONE);
    }

    @Test
    void anErrorOnTheNamespacesOwnPathNeverProvesGone() {
        Guarded g = new Guarded(Snapshots.ns(5));
        Look own = new Look(List.of(), List.of(new LookError(g.ref.path(), "EACCES", "denied")));
        GoneEvidence.found(g, GoneEvidence.keys(own));
        for (int i = 0; i < 3; i++) {
            assertThat(notFound(g, own)).isEqualTo(NamespaceStatus.UNKNOWN);
        }
    }

    @Test
    void onlyErrorsThatWereThereWhenTheNamespaceWasLastFoundAreTolerated() {
        Guarded g = new Guarded(Snapshots.ns(5));
        GoneEvidence.found(g, GoneEvidence.keys(PID1_UNREADABLE));
        assertThat(notFound(g, ANOTHER_UNREADABLE))
                .as("a new unreadable process may hold it")
                .isEqualTo(NamespaceStatus.UNKNOWN);
        assertThat(notFound(g, PID1_UNREADABLE)).isEqualTo(NamespaceStatus.GONE);
    }

    @Test
    void aNamespaceLoadedFromAFileNeedsTwoLooksWithTheSameErrors() {
        Guarded g = new Guarded(Snapshots.ns(5));
        assertThat(g.errorsWhenSeen).isNull();
        assertThat(notFound(g, PID1_UNREADABLE)).isEqualTo(NamespaceStatus.UNKNOWN);
        assertThat(g.errorsWhenSeen).hasSize(1);
        assertThat(notFound(g, PID1_UNREADABLE)).isEqualTo(NamespaceStatus.GONE);
        assertThat(Set.copyOf(g.errorsWhenSeen)).allMatch(k -> k.endsWith("|?"));
    }
}
