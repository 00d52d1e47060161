package dev.hostkit.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SocketOwnersTest {
    private static final String ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static void process(Path root, int pid, String comm, String cgroup, String... links) throws Exception {
        Path dir = Files.createDirectories(root.resolve("proc/" + pid + "/fd"));
        for (int i = 0; i < links.length; i++) {
            Files.createSymbolicLink(dir.resolve(Integer.toString(i)), Path.of(links[i]));
        }
        Path p = root.resolve("proc/" + pid);
        Files.writeString(p.resolve("comm"), comm + "\n");
        Files.write(p.resolve("cmdline"), (comm + "\0--flag\0a b\0").getBytes());
        Files.writeString(p.resolve("cgroup"), cgroup);
        Files.writeString(
                p.resolve("stat"),
                pid + " (" + comm + " x) S 1 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 " + (1000 + pid) + " 0 0\n");
    }

    @Test
    void mapsSocketInodesToEveryProcessHoldingThemAndNothingElse(@TempDir Path root) throws Exception {
        process(
                root,
                10,
                "agent",
                "0::/system.slice/docker-" + ID + ".scope\n",
                "socket:[100]",
                "socket:[101]",
                "/dev/null",
                "pipe:[5]",
                "socket:[100]");
        process(root, 11, "child", "0::/user.slice\n", "socket:[101]", "socket:[bad]", "anon_inode:[eventfd]");
        Files.createDirectories(
                root.resolve("proc/12")); // a kernel thread or a process we may not look into: no fd dir
        Files.createDirectories(root.resolve("proc/self"));
        SocketOwners owners = SocketOwners.scan(ProcFs.at(root));
        assertThat(owners.pidsOf(100)).containsExactly(10);
        assertThat(owners.pidsOf(101)).containsExactly(10, 11);
        assertThat(owners.pidsOf(5)).isEmpty();
        assertThat(owners.socketCount()).isEqualTo(2);
        assertThat(owners.processCount()).isEqualTo(2);

        SocketOwners only101 = SocketOwners.scan(ProcFs.at(root), java.util.Set.of(101L));
        assertThat(only101.pidsOf(100)).as("not asked for").isEmpty();
        assertThat(only101.pidsOf(101))
                .as("found in pid 10, so pid 11 is not read")
                .containsExactly(10);
        assertThat(only101.processCount()).isEqualTo(1);

        ProcessInfo agent = ProcessInfo.read(ProcFs.at(root), 10).orElseThrow();
        assertThat(agent).isEqualTo(new ProcessInfo(10, 1010, "agent", List.of("agent", "--flag", "a b"), ID));
        assertThat(agent.commandLine()).isEqualTo("agent --flag a b");
        assertThat(ProcessInfo.read(ProcFs.at(root), 11).orElseThrow().containerId())
                .isEmpty();
        assertThat(ProcessInfo.read(ProcFs.at(root), 99)).as("exited").isEmpty();
    }

    @Test
    void findsContainerIdsInTheCommonCgroupLayouts() {
        assertThat(ProcessInfo.containerId("12:memory:/docker/" + ID + "\n")).isEqualTo(ID);
        assertThat(ProcessInfo.containerId("0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-" + ID + ".scope"))
                .isEqualTo(ID);
        assertThat(ProcessInfo.containerId("0::/kubepods/besteffort/pod1/" + ID + "\n"))
                .isEqualTo(ID);
        assertThat(ProcessInfo.containerId("0::/system.slice/crio-" + ID + ".scope"))
                .isEqualTo(ID);
        assertThat(ProcessInfo.containerId("0::/system.slice/docker.service\n")).isEmpty();
        assertThat(ProcessInfo.containerId("0::/x" + ID + "\n"))
                .as("not a whole element")
                .isEmpty();
        assertThat(ProcessInfo.containerId("0::/" + ID.toUpperCase())).isEmpty();
        assertThat(ProcessInfo.containerId("")).isEmpty();
    }

    @Test
    void commWithSpacesAndParenthesesDoesNotShiftTheStartTime() {
        assertThat(ProcessInfo.startTicks("7 (a) b (c) R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 4242 0"))
                .isEqualTo(4242);
    }
}
