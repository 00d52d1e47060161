package dev.hostkit.cgroups;

import dev.hostkit.testkit.cgroups.CgroupFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Under a host root other than {@code /} (node-problem-detector's {@code HOSTKIT_ROOT=/host}), the mount table is
 * the host's init's ({@code proc/1/mountinfo}), not this process's ({@code proc/self}: the container's).
 */
class HostRootMountTableTest {
    @TempDir
    Path dir;

    @Test
    void readsTheHostsInitMountTableNotTheContainersOwn() throws Exception {
        CgroupFixture host = CgroupFixture.kernel419().dockerContainer(CgroupFixture.EL7_CONTAINER_ID);
        String hostTable = Files.readString(host.build(dir.resolve("plain")).resolve("proc/self/mountinfo"));
        // The container's own table lists the host's cgroup mounts under /host: wrong when resolved under the root.
        String containerTable = hostTable.replace(" /sys/fs/cgroup", " /host/sys/fs/cgroup");
        assertThat(containerTable).isNotEqualTo(hostTable);

        Path root = host.hostFile("proc/1/mountinfo", hostTable)
                .hostFile("proc/self/mountinfo", containerTable)
                .build(dir.resolve("host"));
        CgroupFs fs = CgroupFs.at(root);

        assertThat(fs.memoryRoot()).isEqualTo(root.resolve("sys/fs/cgroup/memory"));
        assertThat(MemoryCensus.full(fs).cgroups())
                .anySatisfy(c -> assertThat(c.path()).contains(CgroupFixture.EL7_CONTAINER_ID));
    }

    @Test
    void aTreeWithoutProcOneKeepsItsOwnMountTable() {
        Path root = CgroupFixture.kernel419().build(dir);
        assertThat(CgroupFs.at(root).memoryRoot()).isEqualTo(root.resolve("sys/fs/cgroup/memory"));
    }
}
