package dev.hostkit.docker;

import dev.hostkit.docker.internal.PathSegments;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PathSegmentsTest {
    @Test
    void acceptsIdsAndNamesAndDropsTheLeadingSlash() {
        assertThat(PathSegments.object("container", "/web-1.a_b")).isEqualTo("web-1.a_b");
        assertThat(PathSegments.object("container", "4f1c2d")).isEqualTo("4f1c2d");
    }

    @Test
    void refusesTraversalQueryAndControlCharacters() {
        for (String bad : new String[] {"../../images", "..", "a/b", "a?force=1", "a#b", "a%2F", "", "a\nb", "-x"}) {
            assertThatThrownBy(() -> PathSegments.object("container", bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void keepsImageSlashesButNotDotSegments() {
        assertThat(PathSegments.image("registry.local:5000/team/app:1.2"))
                .isEqualTo("registry.local%3A5000/team/app%3A1.2");
        assertThat(PathSegments.image("busybox@sha256:abc")).isEqualTo("busybox%40sha256%3Aabc");
        for (String bad : new String[] {"busybox/../../containers/json", "a//b", "./a", "a/", "a b"}) {
            assertThatThrownBy(() -> PathSegments.image(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
