package dev.hostkit.guard;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class GuardEventTest {
    @Test
    void jsonLineCarriesTheKeysOtherToolsFollow() throws Exception {
        GuardEvent e = new GuardEvent(
                GuardEvent.Type.REPAIR_FAILED,
                4026532001L,
                77,
                "eth1",
                "hkpar0",
                1.25,
                "create macvlan: ENODEV (No such device) \"quoted\"\n",
                1234L);
        String line = e.toJsonLine();
        assertThat(line).doesNotContain("\n");
        Map<String, Object> m = new ObjectMapper().readValue(line, new TypeReference<Map<String, Object>>() {});
        assertThat(m)
                .containsEntry("event", "repair_failed")
                .containsEntry("netns", 4026532001L)
                .containsEntry("pid", 77)
                .containsEntry("interface", "eth1")
                .containsEntry("parent", "hkpar0")
                .containsEntry("reason", "create macvlan: ENODEV (No such device) \"quoted\"\n")
                .containsKey("millis");
        assertThat(line).contains("\"millis\":1.250");
    }

    @Test
    void metricsReadAsPrometheusText() {
        String text = new GuardMetrics(3, 1, 2, 4, 5, 6, 1, 2.5, 0).toPrometheusText();
        assertThat(text)
                .contains(
                        "# TYPE hostkit_guard_repairs_total counter\n",
                        "hostkit_guard_repairs_total{result=\"ok\"} 3\n",
                        "hostkit_guard_repairs_total{result=\"failed\"} 1\n",
                        "hostkit_guard_interfaces_guarded 6\n",
                        "hostkit_guard_last_repair_seconds 0.002500\n");
        assertThat(text.lines().filter(l -> l.startsWith("# HELP hostkit_guard_repairs_total")))
                .hasSize(1);
    }
}
