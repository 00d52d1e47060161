package dev.hostkit.cli;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The DaemonSet and systemd units are shipped as files: their structure and privileges are checked here. */
class DeploymentManifestTest {
    private static final Path DEPLOY = Path.of("..", "deploy");
    private static final Set<String> ALLOWED_CAPS = Set.of("NET_ADMIN", "SYS_ADMIN", "SYS_PTRACE");

    @SuppressWarnings("unchecked")
    private static <T> T at(Object node, String... keys) {
        Object cur = node;
        for (String k : keys) {
            assertThat(cur).as("parent of '%s'", k).isInstanceOf(Map.class);
            cur = ((Map<String, Object>) cur).get(k);
        }
        return (T) cur;
    }

    @Test
    @SuppressWarnings("unchecked")
    void daemonSetRunsGuardianAndDoctorWithLeastPrivilege() throws Exception {
        String text = Files.readString(DEPLOY.resolve("kubernetes/hostkit-daemonset.yaml"));
        Map<String, Object> ds = new Yaml().load(text);
        assertThat(ds).containsEntry("apiVersion", "apps/v1").containsEntry("kind", "DaemonSet");
        Map<String, Object> pod = at(ds, "spec", "template", "spec");
        assertThat((Map<String, Object>) at(ds, "spec", "selector", "matchLabels"))
                .isEqualTo(at(ds, "spec", "template", "metadata", "labels"));
        assertThat(pod)
                .containsEntry("hostNetwork", true)
                .containsEntry("hostPID", true)
                .containsEntry("automountServiceAccountToken", false);

        Set<String> volumes = new HashSet<>();
        for (Map<String, Object> v : (List<Map<String, Object>>) pod.get("volumes")) {
            volumes.add((String) v.get("name"));
            assertThat(v).containsKey("hostPath");
        }
        List<Map<String, Object>> containers = (List<Map<String, Object>>) pod.get("containers");
        assertThat(containers).extracting(c -> c.get("name")).containsExactlyInAnyOrder("guardian", "doctor");
        for (Map<String, Object> c : containers) {
            Map<String, Object> sc = (Map<String, Object>) c.get("securityContext");
            assertThat(sc)
                    .containsEntry("privileged", false)
                    .containsEntry("allowPrivilegeEscalation", false)
                    .containsEntry("readOnlyRootFilesystem", true);
            assertThat((List<String>) at(sc, "capabilities", "drop")).containsExactly("ALL");
            assertThat((List<String>) at(sc, "capabilities", "add")).isSubsetOf(ALLOWED_CAPS);
            assertThat((String) at(c, "resources", "limits", "memory")).isNotBlank();
            for (Map<String, Object> m : (List<Map<String, Object>>) c.get("volumeMounts")) {
                assertThat(volumes).contains((String) m.get("name"));
                String path = (String) m.get("mountPath");
                if (path.equals("/sys/fs/cgroup") || path.endsWith("docker.sock") || path.equals("/var/run/netns")) {
                    assertThat(m).as("mount %s", path).containsEntry("readOnly", true);
                }
            }
            assertThat((List<String>) c.get("command")).anyMatch(s -> s.contains("hostkit.jar"));
        }
        Map<String, Object> guardian = containers.stream()
                .filter(c -> c.get("name").equals("guardian"))
                .findFirst()
                .orElseThrow();
        assertThat((List<String>) at(guardian, "securityContext", "capabilities", "add"))
                .contains("NET_ADMIN", "SYS_ADMIN");
        assertThat((List<String>) guardian.get("command")).contains("guard", "--state-dir", "--metrics-file");
        Map<String, Object> doctor = containers.stream()
                .filter(c -> c.get("name").equals("doctor"))
                .findFirst()
                .orElseThrow();
        assertThat((List<String>) at(doctor, "securityContext", "capabilities", "add"))
                .doesNotContain("NET_ADMIN");
    }

    @Test
    void everyCapabilityIsExplainedInAComment() throws Exception {
        List<String> lines = Files.readAllLines(DEPLOY.resolve("kubernetes/hostkit-daemonset.yaml"));
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.strip().startsWith("add:")) {
                String explained = String.join("\n", lines.subList(Math.max(0, i - 4), i));
                for (String cap : ALLOWED_CAPS) {
                    if (line.contains(cap)) {
                        assertThat(explained)
                                .as("comment above line %d explains %s", i + 1, cap)
                                .contains("# ")
                                .contains(cap);
                    }
                }
            }
        }
    }

    @Test
    void systemdUnitsRunTheJarAndTheTimerRepeats() throws Exception {
        String guard = Files.readString(DEPLOY.resolve("systemd/hostkit-guard.service"));
        assertThat(guard)
                .contains("[Service]", "ExecStart=", "hostkit.jar guard", "--state-dir", "Restart=always", "[Install]");
        String doctor = Files.readString(DEPLOY.resolve("systemd/hostkit-doctor.service"));
        assertThat(doctor).contains("Type=oneshot", "hostkit.jar doctor", "SuccessExitStatus=1 2");
        String timer = Files.readString(DEPLOY.resolve("systemd/hostkit-doctor.timer"));
        assertThat(timer).contains("[Timer]", "OnUnitActiveSec=", "WantedBy=timers.target");
    }
}
