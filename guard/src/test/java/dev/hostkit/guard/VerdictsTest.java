package dev.hostkit.guard;

import dev.hostkit.guard.Observation.LiveLink;
import dev.hostkit.guard.Observation.NamespaceStatus;
import dev.hostkit.guard.Observation.Parent;
import dev.hostkit.netlink.IpvlanFlag;
import dev.hostkit.netlink.IpvlanMode;
import dev.hostkit.netlink.LinkKind;
import dev.hostkit.netlink.MacAddress;
import dev.hostkit.netlink.MacvlanMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The one verdict, table-tested. The snapshot: eth1, index 7, macvlan bridge 02:42:ac:11:00:02, up, on hkpar0 at
 * index 5. Cases where the guardian's old ReconcileStep.decide and the doctor's old GuardianStateCheck.judge
 * disagreed (or where either answered without evidence) say so in their name, with the decision taken.
 */
class VerdictsTest {
    private static final InterfaceSnapshot SNAP = Snapshots.eth1(Snapshots.ns(5));
    private static final MacAddress MAC = SNAP.mac();
    private static final MacAddress OTHER_MAC = MacAddress.parse("02:00:00:00:00:09");
    private static final LiveLink SAME = link(7, MAC, MacvlanMode.BRIDGE, true, "hkpar0");

    private static LiveLink link(int index, MacAddress mac, MacvlanMode mode, boolean up, String hostParent) {
        return new LiveLink(index, mac, mode == null ? "veth" : "macvlan", mode, up, hostParent);
    }

    private static Observation alive(LiveLink l, Parent p) {
        return new Observation(NamespaceStatus.SAME, l, p, false);
    }

    private static final Parent BACK = new Parent.At(9);
    private static final Parent STAYED = new Parent.At(5);
    private static final Parent ABSENT = new Parent.Absent();
    private static final Parent UNREADABLE = new Parent.Unknown("EACCES");

    static Stream<Arguments> table() {
        return Stream.of(
                // The namespace decides first.
                arguments(
                        "namespace gone: forget, whatever the link shows",
                        new Observation(NamespaceStatus.GONE, SAME, BACK, false),
                        Verdict.NAMESPACE_GONE),
                arguments(
                        "namespace replaced (same inode, new cookie): forget",
                        new Observation(NamespaceStatus.REPLACED, null, ABSENT, false),
                        Verdict.NAMESPACE_REPLACED),
                arguments(
                        "namespace unreadable: unknown, keep (old guardian: an EACCES in discovery read as gone, dropped; doctor: unknown)",
                        new Observation(NamespaceStatus.UNKNOWN, null, STAYED, false),
                        Verdict.UNKNOWN),
                // A missing link: the parent decides.
                arguments("missing, parent absent: wait for it", alive(null, ABSENT), Verdict.WAITING_FOR_PARENT),
                arguments("missing, parent back at a new index: lost, repair", alive(null, BACK), Verdict.LOST),
                arguments(
                        "missing, parent kept its index: deleted on purpose (guardian forgets; doctor said missing, still critical)",
                        alive(null, STAYED),
                        Verdict.DELETED_ON_PURPOSE),
                arguments(
                        "missing, host links unreadable: unknown, keep (old guardian: parentStillAt true on error, could retire)",
                        alive(null, UNREADABLE),
                        Verdict.UNKNOWN),
                // The same link (same index).
                arguments("same link as snapshotted: present", alive(SAME, BACK), Verdict.PRESENT),
                arguments(
                        "same link, MAC changed by its owner: present, re-snapshotted (old doctor: conflict; guardian: refresh)",
                        alive(link(7, OTHER_MAC, MacvlanMode.BRIDGE, true, "hkpar0"), BACK),
                        Verdict.PRESENT),
                arguments(
                        "same link, mode changed by its owner: present, re-snapshotted",
                        alive(link(7, MAC, MacvlanMode.VEPA, true, "hkpar0"), BACK),
                        Verdict.PRESENT),
                arguments(
                        "same link, down at the first look while the snapshot says up: settling (old doctor: present)",
                        alive(link(7, MAC, MacvlanMode.BRIDGE, false, "hkpar0"), BACK),
                        Verdict.SETTLING),
                arguments(
                        "same link, still down at the second look: present, set down on purpose",
                        new Observation(
                                NamespaceStatus.SAME, link(7, MAC, MacvlanMode.BRIDGE, false, "hkpar0"), BACK, true),
                        Verdict.PRESENT),
                arguments(
                        "same link, parent no longer resolves (being torn down): settling (old doctor: present)",
                        alive(link(7, MAC, MacvlanMode.BRIDGE, true, null), ABSENT),
                        Verdict.SETTLING),
                arguments(
                        "same index, no longer a macvlan: conflict",
                        alive(link(7, MAC, null, true, null), BACK),
                        Verdict.CONFLICT),
                // Another link by the name.
                arguments(
                        "new index, same MAC, mode and parent: recreated, finish it (old doctor: present; guardian: complete)",
                        alive(link(31, MAC, MacvlanMode.BRIDGE, false, "hkpar0"), BACK),
                        Verdict.RECREATED),
                arguments(
                        "new index, same-MAC macvlan in another mode: conflict (old doctor: present; guardian: conflict)",
                        alive(link(31, MAC, MacvlanMode.VEPA, true, "hkpar0"), BACK),
                        Verdict.CONFLICT),
                arguments(
                        "new index, same-MAC macvlan on another host parent: conflict (old doctor: present; guardian: conflict)",
                        alive(link(31, MAC, MacvlanMode.BRIDGE, true, "other"), BACK),
                        Verdict.CONFLICT),
                arguments(
                        "new index, same MAC and mode, parent unresolvable: settling (old doctor: present; guardian: hold)",
                        alive(link(31, MAC, MacvlanMode.BRIDGE, true, null), ABSENT),
                        Verdict.SETTLING),
                arguments(
                        "new index, another MAC: conflict",
                        alive(link(31, OTHER_MAC, MacvlanMode.BRIDGE, true, "hkpar0"), BACK),
                        Verdict.CONFLICT),
                arguments(
                        "new index, a veth with the same MAC: conflict",
                        alive(link(31, MAC, null, true, null), BACK),
                        Verdict.CONFLICT));
    }

    /** An ipvlan l2 bridge eth1 at index 7 on hkpar0 (index 5); its MAC is the parent's and identifies nothing. */
    private static final InterfaceSnapshot IPVLAN = new InterfaceSnapshot(
            SNAP.namespace(),
            7,
            "eth1",
            MAC,
            1500,
            new LinkKind.Ipvlan(IpvlanMode.L2, IpvlanFlag.BRIDGE),
            true,
            SNAP.parent(),
            5,
            List.of(),
            List.of(),
            1L);

    private static LiveLink ipvlan(
            int index, MacAddress mac, IpvlanMode mode, IpvlanFlag flag, boolean up, String hostParent) {
        return new LiveLink(index, mac, "ipvlan", null, up, hostParent, new LinkKind.Ipvlan(mode, flag));
    }

    static Stream<Arguments> ipvlanTable() {
        return Stream.of(
                arguments("ipvlan missing, parent back at a new index: lost, repair", alive(null, BACK), Verdict.LOST),
                arguments(
                        "ipvlan missing, parent kept its index: deleted on purpose",
                        alive(null, STAYED),
                        Verdict.DELETED_ON_PURPOSE),
                arguments(
                        "ipvlan same link: present",
                        alive(ipvlan(7, MAC, IpvlanMode.L2, IpvlanFlag.BRIDGE, true, "hkpar0"), BACK),
                        Verdict.PRESENT),
                arguments(
                        "ipvlan same link, mode changed by its owner: present",
                        alive(ipvlan(7, MAC, IpvlanMode.L3, IpvlanFlag.BRIDGE, true, "hkpar0"), BACK),
                        Verdict.PRESENT),
                arguments(
                        "ipvlan same index, now a macvlan: conflict",
                        alive(link(7, MAC, MacvlanMode.BRIDGE, true, "hkpar0"), BACK),
                        Verdict.CONFLICT),
                arguments(
                        "ipvlan new index with the returned parent's new MAC: recreated (the MAC is the parent's, not its identity)",
                        alive(ipvlan(31, OTHER_MAC, IpvlanMode.L2, IpvlanFlag.BRIDGE, false, "hkpar0"), BACK),
                        Verdict.RECREATED),
                arguments(
                        "ipvlan new index in another mode: conflict",
                        alive(ipvlan(31, MAC, IpvlanMode.L3S, IpvlanFlag.BRIDGE, true, "hkpar0"), BACK),
                        Verdict.CONFLICT),
                arguments(
                        "ipvlan new index with another flag: conflict",
                        alive(ipvlan(31, MAC, IpvlanMode.L2, IpvlanFlag.PRIVATE, true, "hkpar0"), BACK),
                        Verdict.CONFLICT),
                arguments(
                        "ipvlan new index on another host parent: conflict",
                        alive(ipvlan(31, MAC, IpvlanMode.L2, IpvlanFlag.BRIDGE, true, "other"), BACK),
                        Verdict.CONFLICT),
                arguments(
                        "ipvlan new index, parent unresolvable: settling",
                        alive(ipvlan(31, MAC, IpvlanMode.L2, IpvlanFlag.BRIDGE, true, null), ABSENT),
                        Verdict.SETTLING),
                arguments(
                        "ipvlan snapshot, a same-MAC macvlan by the name: conflict",
                        alive(link(31, MAC, MacvlanMode.BRIDGE, true, "hkpar0"), BACK),
                        Verdict.CONFLICT),
                arguments(
                        "macvlan snapshot, a same-MAC ipvlan by the name: conflict (checked with the macvlan snapshot)",
                        alive(ipvlan(31, MAC, IpvlanMode.L2, IpvlanFlag.BRIDGE, true, "hkpar0"), BACK),
                        Verdict.CONFLICT));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ipvlanTable")
    void judgesIpvlans(String name, Observation seen, Verdict expected) {
        InterfaceSnapshot snap = name.startsWith("macvlan snapshot") ? SNAP : IPVLAN;
        assertThat(Verdicts.judge(snap, seen)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void judges(String name, Observation seen, Verdict expected) {
        assertThat(Verdicts.judge(SNAP, seen)).isEqualTo(expected);
    }

    /** Every combination: a snapshot is forgotten only on positive evidence, proven by a successful read. */
    @Test
    void forgetsOnlyOnPositiveEvidence() {
        List<LiveLink> links = new ArrayList<>(Arrays.asList(
                null,
                SAME,
                link(7, MAC, MacvlanMode.BRIDGE, false, null),
                link(31, MAC, MacvlanMode.BRIDGE, true, "hkpar0"),
                link(31, OTHER_MAC, null, true, null)));
        int judged = 0;
        for (NamespaceStatus ns : NamespaceStatus.values()) {
            for (LiveLink l : links) {
                for (Parent p : List.of(BACK, STAYED, ABSENT, UNREADABLE)) {
                    for (boolean downSeen : new boolean[] {false, true}) {
                        Verdict v = Verdicts.judge(SNAP, new Observation(ns, l, p, downSeen));
                        boolean evidence = ns == NamespaceStatus.GONE
                                || ns == NamespaceStatus.REPLACED
                                || (ns == NamespaceStatus.SAME && l == null && p.equals(STAYED));
                        assertThat(v.forgets())
                                .as("%s %s %s %s -> %s", ns, l, p, downSeen, v)
                                .isEqualTo(evidence);
                        if (ns == NamespaceStatus.UNKNOWN
                                || (l == null && p instanceof Parent.Unknown && ns == NamespaceStatus.SAME)) {
                            assertThat(v).isEqualTo(Verdict.UNKNOWN);
                        }
                        judged++;
                    }
                }
            }
        }
        assertThat(judged).isEqualTo(4 * 5 * 4 * 2);
    }
}
