package dev.hostkit.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

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
        assertThat(owners.reader()).as("a fixture tree is read as files").isEqualTo(SocketOwners.Reader.PROC_FD_LINKS);

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

    @Test
    void aLongTableSplitBetweenThreadsGivesTheSameAnswerAsOneThread(@TempDir Path root) throws Exception {
        // 10,000 sockets in one process (read in chunks by every thread), some shared with a child, among fds that
        // are not sockets.
        String[] many = new String[10_000 + 3];
        for (int i = 0; i < 10_000; i++) {
            many[i] = "socket:[" + (1_000_000 + i) + "]";
        }
        many[10_000] = "null";
        many[10_001] = "pipe:[7]";
        many[10_002] = "anon_inode:[eventfd]";
        process(root, 20, "holder", "", many);
        process(root, 21, "child", "", "socket:[1000000]", "socket:[1009999]", "x");
        for (int p = 30; p < 60; p++) {
            process(root, p, "small" + p, "", "socket:[" + (2_000_000 + p) + "]", "null");
        }
        SocketOwners one = SocketOwners.scan(ProcFs.at(root), 1);
        assertThat(one.socketCount()).isEqualTo(10_000 + 30);
        assertThat(one.processCount()).isEqualTo(32);
        assertThat(one.pidsOf(1_000_000)).containsExactly(20, 21);
        assertThat(one.pidsOf(1_009_999)).containsExactly(20, 21);
        assertThat(one.pidsOf(1_005_000)).containsExactly(20);
        assertThat(one.pidsOf(7)).isEmpty();
        for (int threads : new int[] {2, 3, 4}) {
            SocketOwners split = SocketOwners.scan(ProcFs.at(root), threads);
            assertThat(split.socketCount()).isEqualTo(one.socketCount());
            assertThat(split.processCount()).isEqualTo(one.processCount());
            for (long inode = 1_000_000; inode < 1_010_000; inode++) {
                assertThat(split.pidsOf(inode)).isEqualTo(one.pidsOf(inode));
            }
            assertThat(split.pidsOf(2_000_045)).containsExactly(45);
        }
    }

    @Test
    void theRestOfAListenersTableIsReadLastAndOnlyForWhatIsStillMissing(@TempDir Path root) throws Exception {
        // pid 5 is the "engine": the listener (101) at fd 3, then many accepted sockets, and one client of its own.
        String[] engine = new String[600];
        for (int i = 0; i < engine.length; i++) {
            engine[i] = "socket:[" + (5000 + i) + "]";
        }
        engine[3] = "socket:[101]";
        engine[599] = "socket:[203]";
        process(root, 5, "engine", "", engine);
        process(root, 10, "client", "", "null", "socket:[201]", "socket:[202]");
        process(root, 11, "other", "", "socket:[301]");
        ProcFs proc = ProcFs.at(root);

        SocketOwners owners = SocketOwners.scan(proc, Set.of(101L, 201L, 202L), Set.of(101L));
        assertThat(owners.pidsOf(101)).containsExactly(5);
        assertThat(owners.pidsOf(201)).containsExactly(10);
        assertThat(owners.pidsOf(202)).containsExactly(10);
        assertThat(owners.processCount())
                .as("5 up to its listener, then 10: complete")
                .isEqualTo(2);

        SocketOwners itsOwn = SocketOwners.scan(proc, Set.of(101L, 201L, 203L), Set.of(101L));
        assertThat(itsOwn.pidsOf(203))
                .as("still missing after everyone else: the rest of the table is read")
                .containsExactly(5);
        assertThat(itsOwn.pidsOf(201)).containsExactly(10);
        assertThat(itsOwn.processCount())
                .as("a table read in two parts counts once")
                .isEqualTo(3);

        SocketOwners missing = SocketOwners.scan(proc, Set.of(101L, 999L), Set.of(101L));
        assertThat(missing.pidsOf(101)).containsExactly(5);
        assertThat(missing.socketCount())
                .as("nobody holds 999: every table is read to its end")
                .isEqualTo(1);
        assertThat(SocketOwners.scan(proc, Set.of(101L, 999L), Set.of()).pidsOf(101))
                .isEqualTo(missing.pidsOf(101));

        assertThat(SocketOwners.scan(proc, Set.of(), Set.of()).processCount())
                .as("nothing wanted: nothing read")
                .isZero();
    }

    @Test
    void onlyWholeSocketLinksAreSockets() {
        assertThat(parse("socket:[12345]")).isEqualTo(12345);
        assertThat(parse("socket:[4294967295]")).isEqualTo(4294967295L);
        assertThat(parse("socket:[]")).isEqualTo(-1);
        assertThat(parse("socket:[12a]")).isEqualTo(-1);
        assertThat(parse("socket:[-1]")).isEqualTo(-1);
        assertThat(parse("socket:[123")).isEqualTo(-1);
        assertThat(parse("socket:[99999999999999999999]")).as("overflow").isEqualTo(-1);
        assertThat(parse("pipe:[12345]")).isEqualTo(-1);
        assertThat(parse("/tmp/socket:[1]")).isEqualTo(-1);
        assertThat(parse("anon_inode:[eventfd]")).isEqualTo(-1);
    }

    private static long parse(String link) {
        byte[] b = link.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(64);
        buf.put(0, b);
        return FdTableReader.parseSocketLink(buf, b.length);
    }
}
