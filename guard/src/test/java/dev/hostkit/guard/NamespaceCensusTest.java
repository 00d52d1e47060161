package dev.hostkit.guard;

import dev.hostkit.core.NetNamespace.NsId;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class NamespaceCensusTest {
    private final NamespaceCensus census = new NamespaceCensus();
    private final NsId a = new NsId(4, 4026531001L);
    private final NsId b = new NsId(4, 4026531002L);

    @Test
    void aNamespaceJudgedEmptyIsNotDueAgainUntilTheRecheckBound() {
        assertThat(census.due(a, System.nanoTime())).isTrue();

        census.judgedEmpty(a, census.generation());

        long now = System.nanoTime();
        assertThat(census.due(a, now)).isFalse();
        assertThat(census.due(a, now + NamespaceCensus.RECHECK.toNanos() * 3 / 4 - 1_000_000))
                .isFalse();
        assertThat(census.due(a, now + NamespaceCensus.RECHECK.toNanos() * 5 / 4 + 1_000_000))
                .isTrue();
    }

    @Test
    void aHostLinkChangeMakesEveryEmptyNamespaceDue() {
        census.judgedEmpty(a, census.generation());
        long before = census.generation();

        census.hostLinksChanged();

        assertThat(census.due(a, System.nanoTime())).isTrue();
        // A look that began before the change does not count as having seen it.
        census.judgedEmpty(a, before);
        assertThat(census.due(a, System.nanoTime())).isTrue();
        census.judgedEmpty(a, census.generation());
        assertThat(census.due(a, System.nanoTime())).isFalse();
    }

    @Test
    void anIdentityMissingFromALookIsNewWhenItComesBack() {
        census.judgedEmpty(a, census.generation());
        census.judgedEmpty(b, census.generation());

        census.retainOnly(Set.of(b)); // a's inode may be reused by another namespace from now on

        assertThat(census.due(a, System.nanoTime())).isTrue();
        assertThat(census.due(b, System.nanoTime())).isFalse();
        assertThat(census.size()).isEqualTo(1);
    }
}
