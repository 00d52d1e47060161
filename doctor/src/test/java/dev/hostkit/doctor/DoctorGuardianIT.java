package dev.hostkit.doctor;

import dev.hostkit.doctor.DoctorReport.Severity;
import dev.hostkit.guard.MacvlanGuardian;
import dev.hostkit.guard.NamespaceSource;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.Sh;
import dev.hostkit.testkit.TestNames;
import dev.hostkit.testkit.TestNetns;
import dev.hostkit.testkit.VethPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The doctor reading a real guardian's state: a macvlan on a test veth parent inside a throwaway namespace. */
@HostTest
class DoctorGuardianIT {
    @TempDir
    Path state;

    /** A macvlan on {@code parent}, moved into {@code ns}, up; returns its MAC. */
    private static String macvlanIn(TestNetns ns, String parent, String name) {
        Sh.run("ip", "link", "add", name, "link", parent, "type", "macvlan", "mode", "bridge");
        Sh.run("ip", "link", "set", name, "netns", ns.name());
        ns.exec("ip", "link", "set", name, "up");
        return ns.exec("cat", "/sys/class/net/" + name + "/address").trim();
    }

    /** Runs a real guardian over {@code ns} once and closes it: its state files are then on disk, and nobody repairs. */
    private void snapshotWithAGuardian(TestNetns ns, String parent) throws Exception {
        try (MacvlanGuardian g = MacvlanGuardian.builder()
                .stateDir(state)
                .parents(Set.of(parent))
                .namespaces(NamespaceSource.of(List.of(ns.path())))
                .build()) {
            g.reconcileOnce();
            assertThat(g.snapshots()).hasSize(1);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> onlyInterface(DoctorReport r) {
        List<Map<String, Object>> ifs =
                (List<Map<String, Object>>) r.sections().get("guardian").get("interfaces");
        assertThat(ifs).hasSize(1);
        return ifs.get(0);
    }

    @Test
    void seesTheGuardiansSnapshotAndThenFlagsTheMacvlanDeletedWhileTheGuardianIsStopped(TestNetns ns, VethPair parent)
            throws Exception {
        String name = TestNames.next("m");
        String mac = macvlanIn(ns, parent.hostName(), name);
        snapshotWithAGuardian(ns, parent.hostName());

        DoctorReport healthy = Doctor.examine(List.of(new GuardianStateCheck(state)));

        assertThat(healthy.cannotSee()).isEmpty();
        assertThat(healthy.findings()).isEmpty();
        assertThat(onlyInterface(healthy))
                .containsEntry("interface", name)
                .containsEntry("mac", mac)
                .containsEntry("parent", parent.hostName())
                .containsEntry("namespaceAlive", true)
                .containsEntry("interfacePresent", true)
                .containsEntry("status", "present")
                .containsEntry(
                        "namespace",
                        "net:[" + Files.readAttributes(ns.path(), "unix:ino").get("ino") + "]");

        ns.exec("ip", "link", "del", name);
        DoctorReport broken = Doctor.examine(List.of(new GuardianStateCheck(state)));

        assertThat(onlyInterface(broken))
                .containsEntry("namespaceAlive", true)
                .containsEntry("interfacePresent", false)
                .containsEntry("parentPresent", true)
                .containsEntry("status", "missing");
        assertThat(broken.exitStatus()).isEqualTo(2);
        assertThat(broken.sections().get("guardian")).containsEntry("guardianRunning", false);
        assertThat(broken.findings()).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.CRITICAL);
            assertThat(f.summary())
                    .contains(
                            name,
                            "is missing while its parent " + parent.hostName() + " is present",
                            "no guardian is running on " + state.toAbsolutePath());
            assertThat(f.remedy()).contains("start the guardian");
        });
        // The whole survey: critical, and the same verdict in the metrics text.
        DoctorReport full = Doctor.examine(Doctor.checks(state));
        assertThat(full.exitStatus()).isEqualTo(2);
        assertThat(PrometheusText.of(full.metrics()))
                .contains(
                        "hostkit_doctor_guard_interfaces{status=\"missing\"} 1",
                        "hostkit_doctor_guard_interfaces{status=\"present\"} 0",
                        "hostkit_doctor_status 2");
    }

    @Test
    void snapshotsOfANamespaceThatIsGoneAreStale(VethPair parent) throws Exception {
        TestNetns ns = TestNetns.create();
        try {
            macvlanIn(ns, parent.hostName(), TestNames.next("m"));
            snapshotWithAGuardian(ns, parent.hostName());
        } finally {
            ns.close();
        }

        DoctorReport r = Doctor.examine(List.of(new GuardianStateCheck(state)));

        assertThat(onlyInterface(r)).containsEntry("namespaceAlive", false).containsEntry("status", "stale");
        assertThat(r.exitStatus()).isZero();
        assertThat(r.findings())
                .singleElement()
                .extracting(DoctorReport.Finding::severity)
                .isEqualTo(Severity.INFO);
    }

    @Test
    void interfacesWaitForTheirParentAndAreFlaggedWhenItReturnsUntilTheGuardianRepairsThem(
            TestNetns ns, VethPair parent) throws Exception {
        String name = TestNames.next("m");
        macvlanIn(ns, parent.hostName(), name);
        snapshotWithAGuardian(ns, parent.hostName());

        Sh.run("ip", "link", "del", parent.hostName()); // the kernel deletes the macvlan with it
        DoctorReport waiting = Doctor.examine(List.of(new GuardianStateCheck(state)));

        assertThat(onlyInterface(waiting))
                .containsEntry("status", "waiting for parent")
                .containsEntry("parentPresent", false)
                .containsEntry("interfacePresent", false);
        assertThat(waiting.exitStatus()).isEqualTo(1);
        assertThat(waiting.findings()).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.WARN);
            assertThat(f.summary())
                    .startsWith(
                            "parent " + parent.hostName() + " is gone: 1 guarded interface(s) wait for it (" + name);
        });

        // The parent returns (new index) while no guardian runs: nobody puts the macvlan back.
        Sh.run("ip", "link", "add", parent.hostName(), "type", "veth", "peer", "name", parent.peerName());
        Sh.run("ip", "link", "set", parent.hostName(), "up");
        DoctorReport notRepaired = Doctor.examine(List.of(new GuardianStateCheck(state)));

        assertThat(onlyInterface(notRepaired))
                .containsEntry("status", "missing")
                .containsEntry("parentPresent", true);
        assertThat(notRepaired.exitStatus()).isEqualTo(2);
        assertThat(notRepaired.findings()).singleElement().satisfies(f -> {
            assertThat(f.summary())
                    .contains(
                            "came back",
                            "but the interface was not recreated",
                            "no guardian is running on " + state.toAbsolutePath());
            assertThat(f.remedy()).contains("it recreates " + name);
        });

        // Doing what the remedy says (a guardian pass) makes the doctor healthy again.
        snapshotWithAGuardian(ns, parent.hostName());
        DoctorReport repaired = Doctor.examine(List.of(new GuardianStateCheck(state)));

        assertThat(onlyInterface(repaired)).containsEntry("status", "present");
        assertThat(repaired.findings()).isEmpty();
    }
}
