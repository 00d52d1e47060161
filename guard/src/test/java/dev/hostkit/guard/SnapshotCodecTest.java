package dev.hostkit.guard;

import dev.hostkit.guard.SnapshotCodec.BadStateException;
import dev.hostkit.guard.SnapshotCodec.NamespaceState;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SnapshotCodecTest {
    private final NamespaceRef ns = Snapshots.ns(4026532999L);
    private final NamespaceState state = new NamespaceState(ns, List.of(Snapshots.eth1(ns)));

    @Test
    void roundTripsEveryField() throws Exception {
        String text = SnapshotCodec.encode(state);
        assertThat(SnapshotCodec.decode(text)).isEqualTo(state);
        assertThat(text).contains("\"mode\":\"bridge\"", "\"mac\":\"02:42:ac:11:00:02\"", "\"flags\":4", "\"label\":\"eth1\"", "\"table\":100", "\"index\":5", "\"destination\":null");
    }

    @Test
    void namesTheFieldThatIsWrong() {
        String text = SnapshotCodec.encode(state);
        assertThatThrownBy(() -> SnapshotCodec.decode(text.replace("\"mtu\":1500", "\"mtu\":\"1500\"")))
                .isInstanceOf(BadStateException.class).hasMessageContaining("\"mtu\"");
        assertThatThrownBy(() -> SnapshotCodec.decode(text.replace("\"mtu\":1500", "\"mtu\":9")))
                .isInstanceOf(BadStateException.class).hasMessageContaining("MTU");
        assertThatThrownBy(() -> SnapshotCodec.decode(text.replace("\"version\":1", "\"version\":2")))
                .isInstanceOf(BadStateException.class).hasMessageContaining("version 2");
        assertThatThrownBy(() -> SnapshotCodec.decode(text.replace("bridge", "hub")))
                .isInstanceOf(BadStateException.class).hasMessageContaining("hub");
        assertThatThrownBy(() -> SnapshotCodec.decode(text.replace("10.9.0.1", "10.9.0.300")))
                .isInstanceOf(BadStateException.class).hasMessageContaining("10.9.0.300");
        assertThatThrownBy(() -> SnapshotCodec.decode(text.replace("10.9.0.1", "example.com")))
                .isInstanceOf(BadStateException.class).hasMessageContaining("example.com");
        assertThatThrownBy(() -> SnapshotCodec.decode(text.replace("\"fd00:9:0:0:0:0:0:1\"", "\"10.1.1.1\"")))
                .isInstanceOf(BadStateException.class).hasMessageContaining("gateway 10.1.1.1");
        assertThatThrownBy(() -> SnapshotCodec.decode(text.replace("\"existing\"", "\"bond\"")))
                .isInstanceOf(BadStateException.class).hasMessageContaining("unknown parent kind 'bond'");
        assertThatThrownBy(() -> SnapshotCodec.decode(text.replace("\"existing\"", "\"vlan\"")))
                .isInstanceOf(BadStateException.class).hasMessageContaining("\"protocol\"");
        assertThatThrownBy(() -> SnapshotCodec.decode(text.replace("\"up\":true", "\"up\":1")))
                .isInstanceOf(BadStateException.class).hasMessageContaining("\"up\"");
        assertThatThrownBy(() -> SnapshotCodec.decode("[]")).isInstanceOf(BadStateException.class);
        assertThatThrownBy(() -> SnapshotCodec.decode("")).isInstanceOf(BadStateException.class).hasMessageContaining("JSON");
    }

    @Test
    void everyTruncationOrMutationIsTheTypedErrorOrTheSameState() {
        String text = SnapshotCodec.encode(state);
        for (int cut = 0; cut < text.length() - 1; cut++) {
            String half = text.substring(0, cut);
            assertThatThrownBy(() -> SnapshotCodec.decode(half)).as("cut at %d", cut).isInstanceOf(BadStateException.class);
        }
        Random r = new Random(7);
        for (int i = 0; i < 50_000; i++) {
            char[] c = text.toCharArray();
            c[r.nextInt(c.length)] = (char) r.nextInt(128);
            try {
                NamespaceState s = SnapshotCodec.decode(new String(c));
                assertThat(s.interfaces()).hasSize(1);
            } catch (BadStateException expected) {
                // fine: reported, never another exception
            }
        }
    }

}
