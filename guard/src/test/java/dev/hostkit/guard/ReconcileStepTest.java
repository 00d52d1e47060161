package dev.hostkit.guard;

import dev.hostkit.netlink.MacAddress;
import dev.hostkit.netlink.MacvlanMode;
import dev.hostkit.guard.ReconcileStep.Action;
import dev.hostkit.guard.ReconcileStep.LiveLink;
import dev.hostkit.guard.ReconcileStep.NsStatus;
import org.junit.jupiter.api.Test;

import static dev.hostkit.guard.ReconcileStep.decide;
import static org.assertj.core.api.Assertions.assertThat;

class ReconcileStepTest {
    private final InterfaceSnapshot snap = Snapshots.eth1(Snapshots.ns(5));
    private final LiveLink same = new LiveLink(7, snap.mac(), 1500, MacvlanMode.BRIDGE, true, "hkpar0");

    @Test
    void dropsSnapshotsOfGoneOrReplacedNamespacesWhateverElseIsTrue() {
        assertThat(decide(snap, NsStatus.GONE, null, 9, false)).isEqualTo(Action.DROP);
        assertThat(decide(snap, NsStatus.REPLACED, null, 9, false)).isEqualTo(Action.DROP);
        assertThat(decide(snap, NsStatus.REPLACED, same, 9, false)).isEqualTo(Action.DROP);
    }

    @Test
    void repairsAMissingInterfaceOnlyWhenItsParentCameBack() {
        assertThat(decide(snap, NsStatus.SAME, null, 9, false)).isEqualTo(Action.REPAIR);
        assertThat(decide(snap, NsStatus.SAME, null, 0, false)).isEqualTo(Action.WAIT_FOR_PARENT);
    }

    @Test
    void forgetsAnInterfaceDeletedWhileItsParentStayed() {
        assertThat(snap.parentIndex()).isEqualTo(5);
        assertThat(decide(snap, NsStatus.SAME, null, 5, false)).isEqualTo(Action.RETIRE);
    }

    @Test
    void refreshesFromTheSameLinkIncludingChangesItsOwnerMade() {
        assertThat(decide(snap, NsStatus.SAME, same, 9, false)).isEqualTo(Action.REFRESH);
        LiveLink newMac = new LiveLink(7, MacAddress.parse("02:00:00:00:00:09"), 9000, MacvlanMode.BRIDGE, true, "hkpar0");
        assertThat(decide(snap, NsStatus.SAME, newMac, 9, false)).isEqualTo(Action.REFRESH);
    }

    @Test
    void holdsTheSnapshotWhileTheLinkLooksHalfTornDown() {
        LiveLink down = new LiveLink(7, snap.mac(), 1500, MacvlanMode.BRIDGE, false, "hkpar0");
        assertThat(decide(snap, NsStatus.SAME, down, 9, false)).isEqualTo(Action.HOLD);
        assertThat(decide(snap, NsStatus.SAME, down, 9, true)).isEqualTo(Action.REFRESH);
        LiveLink orphan = new LiveLink(7, snap.mac(), 1500, MacvlanMode.BRIDGE, true, null);
        assertThat(decide(snap, NsStatus.SAME, orphan, 0, true)).isEqualTo(Action.HOLD);
    }

    @Test
    void finishesARecreatedLinkWithTheSameIdentity() {
        LiveLink recreated = new LiveLink(31, snap.mac(), 1500, MacvlanMode.BRIDGE, false, "hkpar0");
        assertThat(decide(snap, NsStatus.SAME, recreated, 9, false)).isEqualTo(Action.COMPLETE);
    }

    @Test
    void leavesAnotherLinkUnderTheSameNameAlone() {
        assertThat(decide(snap, NsStatus.SAME, new LiveLink(31, MacAddress.parse("02:00:00:00:00:09"), 1500, MacvlanMode.BRIDGE, true, "hkpar0"), 9, false))
                .isEqualTo(Action.CONFLICT);
        assertThat(decide(snap, NsStatus.SAME, new LiveLink(31, snap.mac(), 1500, MacvlanMode.VEPA, true, "hkpar0"), 9, false))
                .isEqualTo(Action.CONFLICT);
        assertThat(decide(snap, NsStatus.SAME, new LiveLink(31, snap.mac(), 1500, MacvlanMode.BRIDGE, true, "other"), 9, false))
                .isEqualTo(Action.CONFLICT);
        assertThat(decide(snap, NsStatus.SAME, new LiveLink(31, snap.mac(), 1500, null, true, null), 9, false))
                .isEqualTo(Action.CONFLICT);
    }
}
