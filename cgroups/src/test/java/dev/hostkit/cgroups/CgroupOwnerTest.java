package dev.hostkit.cgroups;

import dev.hostkit.cgroups.CgroupOwner.Driver;
import dev.hostkit.cgroups.CgroupOwner.QosClass;
import dev.hostkit.cgroups.CgroupOwner.Runtime;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Paths of kubelet (both drivers), Docker, containerd and CRI-O mapped to pod, container, QoS and runtime. */
class CgroupOwnerTest {
    private static final String UID = "0f6cbd87-5b9e-4c5e-9b1a-1d2f3e4a5b6c";
    private static final String ID = "4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a";

    @Test
    void kubeletCgroupfsBurstableContainer() {
        CgroupOwner o =
                CgroupOwner.parse("/kubepods/burstable/pod" + UID + "/" + ID).orElseThrow();
        assertThat(o)
                .isEqualTo(new CgroupOwner(
                        "/kubepods/burstable/pod" + UID + "/" + ID,
                        Driver.CGROUPFS,
                        QosClass.BURSTABLE,
                        UID,
                        ID,
                        Runtime.UNKNOWN));
    }

    @Test
    void kubeletCgroupfsGuaranteedPodWithoutContainer() {
        CgroupOwner o = CgroupOwner.parse("/kubepods/pod" + UID).orElseThrow();
        assertThat(o.qos()).isEqualTo(QosClass.GUARANTEED);
        assertThat(o.podUid()).isEqualTo(UID);
        assertThat(o.containerId()).isNull();
    }

    @Test
    void kubeletSystemdBestEffortWithEachRuntime() {
        String pod =
                "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + UID.replace('-', '_') + ".slice/";
        assertThat(CgroupOwner.parse(pod + "docker-" + ID + ".scope").orElseThrow())
                .isEqualTo(new CgroupOwner(
                        pod + "docker-" + ID + ".scope",
                        Driver.SYSTEMD,
                        QosClass.BEST_EFFORT,
                        UID,
                        ID,
                        Runtime.DOCKER));
        assertThat(CgroupOwner.parse(pod + "cri-containerd-" + ID + ".scope")
                        .orElseThrow()
                        .runtime())
                .isEqualTo(Runtime.CONTAINERD);
        assertThat(CgroupOwner.parse(pod + "crio-" + ID + ".scope")
                        .orElseThrow()
                        .runtime())
                .isEqualTo(Runtime.CRIO);
        assertThat(CgroupOwner.parse(pod + "crio-conmon-" + ID + ".scope")
                        .orElseThrow()
                        .runtime())
                .isEqualTo(Runtime.CRIO);
    }

    @Test
    void kubeletSystemdGuaranteedPod() {
        CgroupOwner o = CgroupOwner.parse("/kubepods.slice/kubepods-pod" + UID.replace('-', '_') + ".slice")
                .orElseThrow();
        assertThat(o.qos()).isEqualTo(QosClass.GUARANTEED);
        assertThat(o.podUid()).isEqualTo(UID);
        assertThat(o.driver()).isEqualTo(Driver.SYSTEMD);
    }

    @Test
    void dockerWithBothDrivers() {
        assertThat(CgroupOwner.parse("/docker/" + ID).orElseThrow())
                .isEqualTo(new CgroupOwner("/docker/" + ID, Driver.CGROUPFS, null, null, ID, Runtime.DOCKER));
        assertThat(CgroupOwner.parse("/system.slice/docker-" + ID + ".scope").orElseThrow())
                .isEqualTo(new CgroupOwner(
                        "/system.slice/docker-" + ID + ".scope", Driver.SYSTEMD, null, null, ID, Runtime.DOCKER));
    }

    @Test
    void containerdNamespaceDirectory() {
        CgroupOwner o = CgroupOwner.parse("/default/" + ID).orElseThrow();
        assertThat(o.runtime()).isEqualTo(Runtime.CONTAINERD);
        assertThat(o.containerId()).isEqualTo(ID);
    }

    @Test
    void pathsOfNoPodOrContainerHaveNoOwner() {
        assertThat(CgroupOwner.parse("/")).isEmpty();
        assertThat(CgroupOwner.parse("/system.slice/sshd.service")).isEmpty();
        assertThat(CgroupOwner.parse("/kubepods/burstable")).isEmpty();
        assertThat(CgroupOwner.parse("/docker")).isEmpty();
    }
}
