package dev.hostkit.netlink.guard;

import dev.hostkit.netlink.MacAddress;
import dev.hostkit.netlink.MacvlanMode;
import dev.hostkit.netlink.guard.ReconcileStep.Action;
import dev.hostkit.netlink.guard.ReconcileStep.LiveLink;
import dev.hostkit.netlink.guard.ReconcileStep.NsStatus;
import org.junit.jupiter.api.Test;

import static dev.hostkit.netlink.guard.ReconcileStep.decide;
import static org.assertj.core.api.Assertions.assertThat;

class ReconcileStepTest {
    private final InterfaceSnapshot snap = Snapshots.eth1(Snapshots.ns(5));
    private final LiveLink same = new LiveLink(7, snap.mac(), 1500, MacvlanMode.BRIDGE, true, "hkpar0");

    @Test
    void dropsSnapshotsOfGoneOrReplacedNamespacesWhateverElseIsTrue() {
        assertThat(decide(snap, NsStatus.GONE, null, true, false)).isEqualTo(Action.DROP);
        assertThat(decide(snap, NsStatus.REPLACED, null, true, false)).isEqualTo(Action.DROP);
        assertThat(decide(snap, NsStatus.REPLACED, same, true, false)).isEqualTo(Action.DROP);
    }

    @Test
    void repairsAMissingInterfaceOnlyWhenItsParentExists() {
        assertThat(decide(snap, NsStatus.SAME, null, true, false)).isEqualTo(Action.REPAIR);
        assertThat(decide(snap, NsStatus.SAME, null, false, false)).isEqualTo(Action.WAIT_FOR_PARENT);
    }

    @Test
    void refreshesFromTheSameLinkIncludingChangesItsOwnerMade() {
        assertThat(decide(snap, NsStatus.SAME, same, true, false)).isEqualTo(Action.REFRESH);
        LiveLink newMac = new LiveLink(7, MacAddress.parse("02:00:00:00:00:09"), 9000, MacvlanMode.BRIDGE, true, "hkpar0");
        assertThat(decide(snap, NsStatus.SAME, newMac, true, false)).isEqualTo(Action.REFRESH);
    }

    @Test
    void holdsTheSnapshotWhileTheLinkLooksHalfTornDown() {
        LiveLink down = new LiveLink(7, snap.mac(), 1500, MacvlanMode.BRIDGE, false, "hkpar0");
        assertThat(decide(snap, NsStatus.SAME, down, true, false)).isEqualTo(Action.HOLD);
        assertThat(decide(snap, NsStatus.SAME, down, true, true)).isEqualTo(Action.REFRESH);
        LiveLink orphan = new LiveLink(7, snap.mac(), 1500, MacvlanMode.BRIDGE, true, null);
        assertThat(decide(snap, NsStatus.SAME, orphan, false, true)).isEqualTo(Action.HOLD);
    }

    @Test
    void finishesARecreatedLinkWithTheSameIdentity() {
        LiveLink recreated = new LiveLink(31, snap.mac(), 1500, MacvlanMode.BRIDGE, false, "hkpar0");
        assertThat(decide(snap, NsStatus.SAME, recreated, true, false)).isEqualTo(Action.COMPLETE);
    }

    @Test
    void leavesAnotherLinkUnderTheSameNameAlone() {
        assertThat(decide(snap, NsStatus.SAME, new LiveLink(31, MacAddress.parse("02:00:00:00:00:09"), 1500, MacvlanMode.BRIDGE, true, "hkpar0"), true, false))
                .isEqualTo(Action.CONFLICT);
        assertThat(decide(snap, NsStatus.SAME, new LiveLink(31, snap.mac(), 1500, MacvlanMode.VEPA, true, "hkpar0"), true, false))
                .isEqualTo(Action.CONFLICT);
        assertThat(decide(snap, NsStatus.SAME, new LiveLink(31, snap.mac(), 1500, MacvlanMode.BRIDGE, true, "other"), true, false))
                .isEqualTo(Action.CONFLICT);
        assertThat(decide(snap, NsStatus.SAME, new LiveLink(31, snap.mac(), 1500, null, true, null), true, false))
                .isEqualTo(Action.CONFLICT);
    }
}
