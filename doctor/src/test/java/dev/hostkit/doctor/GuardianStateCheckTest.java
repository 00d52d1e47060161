package dev.hostkit.doctor;

import dev.hostkit.doctor.DoctorReport.Severity;
import dev.hostkit.doctor.GuardianStateCheck.Status;
import dev.hostkit.guard.HostParent;
import dev.hostkit.guard.InterfaceSnapshot;
import dev.hostkit.guard.NamespaceRef;
import dev.hostkit.guard.NamespaceSource;
import dev.hostkit.guard.Observation;
import dev.hostkit.guard.Observation.NamespaceStatus;
import dev.hostkit.guard.Observation.Parent;
import dev.hostkit.guard.Verdict;
import dev.hostkit.netlink.MacAddress;
import dev.hostkit.netlink.MacvlanMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class GuardianStateCheckTest {
    @TempDir
    Path dir;

    /** A state file as the guardian writes it (schema version 1). */
    static String stateFile(
            long device, long inode, String path, String iface, String mac, String parent, int parentIndex) {
        return """
                {"version":1,"namespace":{"device":%d,"inode":%d,"cookie":0,"pid":0,"path":"%s"},
                 "interfaces":[{"name":"%s","ifindex":5,"mac":"%s","mtu":1500,"mode":"bridge","up":true,
                   "parent":{"kind":"existing","name":"%s","index":%d},"taken":1700000000000,"addresses":[],"routes":[]}]}
                """.formatted(device, inode, path, iface, mac, parent, parentIndex);
    }

    private void write(String name, String content) throws Exception {
        Files.writeString(dir.resolve(name), content);
    }

    private static InterfaceSnapshot snapshot(String name, String mac, String parent, int parentIndex) {
        return new InterfaceSnapshot(
                new NamespaceRef(4, 4026532999L, 0, 0, Path.of("/var/run/netns/hkx")),
                5,
                name,
                MacAddress.parse(mac),
                1500,
                MacvlanMode.BRIDGE,
                true,
                new HostParent.Existing(parent),
                parentIndex,
                List.of(),
                List.of(),
                0);
    }

    private DoctorReport check() {
        // No live namespaces: every snapshot's namespace is gone.
        return Doctor.examine(List.of(new GuardianStateCheck(dir, List::of, new LinkDumps())));
    }

    @Test
    void readsSnapshotsAndNamesEveryUnusableFileWithoutChangingTheDirectory() throws Exception {
        write(
                "netns-4-4026532001.json",
                stateFile(4, 4026532001L, "/var/run/netns/hkgone", "eth1", "02:00:00:00:00:01", "hkp", 7));
        write("netns-4-4026532002.json", "{\"version\":1, \"namespace\": ");
        write(
                "netns-4-4026532003.json",
                stateFile(4, 4026532004L, "/var/run/netns/hkx", "eth1", "02:00:00:00:00:02", "hkp", 7));
        write(".netns-4-4026532001.json12345.tmp", "half a write");
        write("notes.txt", "not ours");
        Files.createSymbolicLink(dir.resolve("netns-4-4026532005.json"), dir.resolve("notes.txt"));
        write("netns-4-4026532006.json", " ".repeat((1 << 20) + 1));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));

        GuardianStateCheck.State state = GuardianStateCheck.read(dir);

        assertThat(state.snapshots())
                .extracting(InterfaceSnapshot::name, s -> s.namespace().inode())
                .containsExactly(org.assertj.core.groups.Tuple.tuple("eth1", 4026532001L));
        assertThat(state.problems())
                .extracting(GuardianStateCheck.Problem::file)
                .containsExactly(
                        "netns-4-4026532002.json",
                        "netns-4-4026532003.json",
                        "netns-4-4026532005.json",
                        "netns-4-4026532006.json");
        assertThat(state.problems().get(0).reason()).startsWith("not valid JSON");
        assertThat(state.problems().get(1).reason()).contains("belongs in netns-4-4026532004.json");
        assertThat(state.problems().get(2).reason()).isEqualTo("not a regular file");
        assertThat(state.problems().get(3).reason())
                .isEqualTo("file of 1048577 bytes is larger than the limit of 1048576");
        // Read-only: the in-flight write is still there and the mode was not touched.
        assertThat(dir.resolve(".netns-4-4026532001.json12345.tmp")).exists();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
                .isEqualTo("rwxr-xr-x");
    }

    @Test
    void snapshotOfAGoneNamespaceIsStaleInformationAndLeavesTheStatusOk() throws Exception {
        write(
                "netns-4-4026532001.json",
                stateFile(4, 4026532001L, "/var/run/netns/hkgone", "eth1", "02:00:00:00:00:01", "hkp", 7));

        DoctorReport r = check();

        assertThat(r.exitStatus()).isZero();
        assertThat(r.status()).isEqualTo("ok");
        assertThat(r.findings()).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.INFO);
            assertThat(f.summary()).contains("1 snapshot(s)", "eth1 in net:[4026532001]");
            assertThat(f.remedy()).contains("drops them on its next pass");
        });
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> ifs =
                (List<Map<String, Object>>) r.sections().get("guardian").get("interfaces");
        assertThat(ifs).singleElement().satisfies(m -> {
            assertThat(m)
                    .containsEntry("interface", "eth1")
                    .containsEntry("mac", "02:00:00:00:00:01")
                    .containsEntry("parent", "hkp")
                    .containsEntry("namespace", "net:[4026532001]")
                    .containsEntry("namespaceAlive", false)
                    .containsEntry("status", "stale")
                    .containsEntry("parentPresent", false);
            assertThat(m.get("interfacePresent")).isNull();
        });
        assertThat(PrometheusText.of(r.metrics()))
                .contains(
                        "hostkit_doctor_guard_interfaces{status=\"stale\"} 1",
                        "hostkit_doctor_guard_interfaces{status=\"missing\"} 0",
                        "hostkit_doctor_guard_state_file_problems 0");
        assertThat(Doctor.toJson(r)).contains("\"guardian\":{\"stateDir\":\"" + dir, "\"status\":\"stale\"");
    }

    @Test
    void corruptStateFileIsAWarningThatNamesTheFile() throws Exception {
        write("netns-4-4026532002.json", "not json at all");

        DoctorReport r = check();

        assertThat(r.exitStatus()).isEqualTo(1);
        assertThat(r.findings()).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.WARN);
            assertThat(f.summary())
                    .startsWith("guardian state file netns-4-4026532002.json is unusable: not valid JSON");
            assertThat(f.remedy()).contains("move it out of " + dir);
        });
        assertThat(PrometheusText.of(r.metrics())).contains("hostkit_doctor_guard_state_file_problems 1");
    }

    @Test
    void missingStateDirectoryIsSomethingTheDoctorCouldNotSee() {
        DoctorReport r =
                Doctor.examine(List.of(new GuardianStateCheck(dir.resolve("absent"), List::of, new LinkDumps())));

        assertThat(r.findings()).isEmpty();
        assertThat(r.cannotSee())
                .singleElement()
                .asString()
                .startsWith("guardian: state directory " + dir.resolve("absent") + " does not exist");
        assertThat(dir.resolve("absent")).doesNotExist();
    }

    @Test
    void emptyStateDirectoryIsHealthy() {
        DoctorReport r = check();

        assertThat(r.findings()).isEmpty();
        assertThat(r.cannotSee()).isEmpty();
        assertThat(r.sections().get("guardian")).containsEntry("snapshots", 0);
    }

    private static Observation alive(Observation.LiveLink link, Integer parentIndex) {
        return new Observation(NamespaceStatus.SAME, link, Parent.ofIndex(parentIndex), false);
    }

    private static Observation.LiveLink macvlan(int index, String mac, MacvlanMode mode, String parent) {
        return new Observation.LiveLink(index, MacAddress.parse(mac), "macvlan", mode, true, parent);
    }

    @Test
    void interfaceGoneWhileItsParentIsPresentIsMissing() {
        InterfaceSnapshot s = snapshot("eth1", "02:00:00:00:00:01", "hkp", 7);

        GuardianStateCheck.Judged sameParent = GuardianStateCheck.judge(s, alive(null, 7), null);
        GuardianStateCheck.Judged parentBack = GuardianStateCheck.judge(s, alive(null, 9), null);

        assertThat(sameParent.status()).isEqualTo(Status.MISSING);
        assertThat(sameParent.verdict()).isEqualTo(Verdict.DELETED_ON_PURPOSE);
        assertThat(sameParent.detail()).isEqualTo("deleted while its parent hkp stayed (index 7)");
        assertThat(parentBack.status()).isEqualTo(Status.MISSING);
        assertThat(parentBack.verdict()).isEqualTo(Verdict.LOST);
        assertThat(parentBack.detail()).contains("came back (index 7 -> 9)");
        assertThat(sameParent.parentPresent()).isTrue();
    }

    @Test
    void interfaceGoneWithItsParentWaitsForTheParent() {
        InterfaceSnapshot s = snapshot("eth1", "02:00:00:00:00:01", "hkp", 7);

        GuardianStateCheck.Judged v = GuardianStateCheck.judge(s, alive(null, null), null);

        assertThat(v.status()).isEqualTo(Status.WAITING_FOR_PARENT);
        assertThat(v.parentPresent()).isFalse();
    }

    @Test
    void sameMacvlanIsPresentAndAnythingElseUnderItsNameIsAConflictAsTheGuardianJudgesIt() {
        InterfaceSnapshot s = snapshot("eth1", "02:00:00:00:00:01", "hkp", 7);

        assertThat(GuardianStateCheck.judge(
                                s, alive(macvlan(5, "02:00:00:00:00:01", MacvlanMode.BRIDGE, "hkp"), 7), null)
                        .status())
                .isEqualTo(Status.PRESENT);
        GuardianStateCheck.Judged otherMac =
                GuardianStateCheck.judge(s, alive(macvlan(6, "02:00:00:00:00:09", MacvlanMode.BRIDGE, "hkp"), 7), null);
        GuardianStateCheck.Judged veth = GuardianStateCheck.judge(
                s,
                alive(new Observation.LiveLink(6, MacAddress.parse("02:00:00:00:00:01"), "veth", null, true, null), 7),
                null);
        assertThat(otherMac.status()).isEqualTo(Status.CONFLICT);
        assertThat(otherMac.detail())
                .contains("MAC 02:00:00:00:00:09 on hkp instead of macvlan bridge 02:00:00:00:00:01 on hkp");
        assertThat(veth.status()).isEqualTo(Status.CONFLICT);
        // Where the old doctor said "present": a same-MAC macvlan in another mode under the name is someone else's.
        GuardianStateCheck.Judged otherMode =
                GuardianStateCheck.judge(s, alive(macvlan(6, "02:00:00:00:00:01", MacvlanMode.VEPA, "hkp"), 7), null);
        assertThat(otherMode.status()).isEqualTo(Status.CONFLICT);
        assertThat(otherMode.detail()).contains("macvlan vepa, MAC 02:00:00:00:00:01 on hkp instead of macvlan bridge");
    }

    @Test
    void anUnreadableNamespaceIsUnknownNotStale() throws Exception {
        write(
                "netns-4-4026532001.json",
                stateFile(4, 4026532001L, "/var/run/netns/hkgone", "eth1", "02:00:00:00:00:01", "hkp", 7));
        NamespaceSource failing = new NamespaceSource() {
            @Override
            public List<NamespaceSource.Candidate> discover() {
                return List.of();
            }

            @Override
            public NamespaceSource.Look look() {
                return new NamespaceSource.Look(
                        List.of(),
                        List.of(new NamespaceSource.LookError(
                                Path.of("/var/run/netns/hkgone"), "EACCES", "Permission denied")));
            }
        };

        DoctorReport r = Doctor.examine(List.of(new GuardianStateCheck(dir, failing, new LinkDumps())));

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> ifs =
                (List<Map<String, Object>>) r.sections().get("guardian").get("interfaces");
        assertThat(ifs)
                .singleElement()
                .satisfies(m -> assertThat(m).containsEntry("status", "unknown").containsEntry("verdict", "unknown"));
        assertThat(r.cannotSee())
                .singleElement()
                .asString()
                .contains("cannot read /var/run/netns/hkgone: Permission denied");
        assertThat(r.findings()).isEmpty();
    }
}
