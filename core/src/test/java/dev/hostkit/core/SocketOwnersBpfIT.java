package dev.hostkit.core;

import dev.hostkit.core.internal.bpf.SocketFileIterators;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The BPF iterator against the /proc scan on the live host: the same owners for the same sockets. */
class SocketOwnersBpfIT {
    private static final int PAIRS = 500;
    private static Process holder;
    private static int parentPid;
    private static int childPid;
    private static List<Long> held;

    @BeforeAll
    static void startHolderAndItsForkedCopy() throws Exception {
        // 500 socket pairs, then a fork: parent and child both hold all 1,000 sockets (shared, several owners each).
        holder = new ProcessBuilder(
                        "python3",
                        "-c",
                        "import os, socket, sys\n"
                                + "pairs = [socket.socketpair() for _ in range(" + PAIRS + ")]\n"
                                + "child = os.fork()\n"
                                + "if child == 0:\n"
                                + "    sys.stdin.read(); os._exit(0)\n"
                                + "print(child, flush=True)\n"
                                + "sys.stdin.read()\n"
                                + "os.kill(child, 9)\n")
                .redirectErrorStream(true)
                .start();
        String line =
                new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertThat(line).as("the holder started").matches("[0-9]+");
        parentPid = (int) holder.pid();
        childPid = Integer.parseInt(line);
        held = SocketOwnersIT.socketsOf(parentPid);
        assertThat(held).hasSize(2 * PAIRS);
    }

    @AfterAll
    static void stopHolder() throws Exception {
        if (holder != null) {
            holder.getOutputStream().close(); // both read stdin to its end, then exit
            holder.destroyForcibly();
            holder.waitFor();
        }
        System.clearProperty(SocketFileIterators.PROPERTY);
    }

    private static void assumeBpf() {
        assumeTrue(
                SocketFileIterators.layout().isPresent(),
                () -> "BPF iterator unavailable here: "
                        + SocketFileIterators.unavailableReason().orElse("?"));
    }

    @Test
    void iteratorAndProcScanNameTheSameOwnersForEverySocketOfTheHolderAndItsFork() {
        assumeBpf();
        int fds = ProcFs.openFdCount();
        SocketOwners bpf = SocketOwners.scan();
        assertThat(ProcFs.openFdCount()).as("program, link and iterator closed").isEqualTo(fds);
        SocketOwners proc = SocketOwners.scan(ProcFs.system(), 2);
        assertThat(bpf.reader()).isEqualTo(SocketOwners.Reader.BPF_TASK_FILE);
        assertThat(proc.reader()).isEqualTo(SocketOwners.Reader.PROC_FD_LINKS);
        List<Integer> both = List.of(Math.min(parentPid, childPid), Math.max(parentPid, childPid));
        for (long inode : held) {
            assertThat(bpf.pidsOf(inode)).as("socket %d", inode).isEqualTo(both);
            assertThat(proc.pidsOf(inode)).as("socket %d", inode).isEqualTo(both);
        }
    }

    @Test
    void iteratorAndProcScanAgreeOnEveryProcessThatDidNotChangeMeanwhile() {
        assumeBpf();
        // Other processes on a shared host open and close sockets while we look: compare the processes whose sockets
        // were the same in an iterator run before and one after the /proc scan.
        Map<Integer, Set<Long>> before = byPid(SocketOwners.scan());
        Map<Integer, Set<Long>> proc = byPid(SocketOwners.scan(ProcFs.system(), 1));
        Map<Integer, Set<Long>> after = byPid(SocketOwners.scan());
        Map<Integer, Set<Long>> stableBpf = new TreeMap<>();
        Map<Integer, Set<Long>> stableProc = new TreeMap<>();
        before.forEach((pid, sockets) -> {
            if (sockets.equals(after.get(pid))) {
                stableBpf.put(pid, sockets);
                stableProc.put(pid, proc.getOrDefault(pid, Set.of()));
            }
        });
        assertThat(stableBpf)
                .containsKeys(parentPid, childPid, (int) ProcessHandle.current().pid());
        assertThat(stableProc).isEqualTo(stableBpf);
    }

    @Test
    void wantedOnlyFiltersAndListsEveryOwnerOfASharedSocket() {
        assumeBpf();
        SocketOwners some = SocketOwners.scan(ProcFs.system(), Set.of(held.get(0), held.get(999)), Set.of(held.get(0)));
        assertThat(some.reader()).isEqualTo(SocketOwners.Reader.BPF_TASK_FILE);
        assertThat(some.socketCount()).isEqualTo(2);
        assertThat(some.pidsOf(held.get(999))).containsExactlyInAnyOrder(parentPid, childPid);
        assertThat(some.pidsOf(held.get(1))).isEmpty();
    }

    @Test
    void turnedOffOrOnAFixtureTreeTheProcScanAnswers() {
        System.setProperty(SocketFileIterators.PROPERTY, "false");
        try {
            SocketOwners off = SocketOwners.scan();
            assertThat(off.reader()).isEqualTo(SocketOwners.Reader.PROC_FD_LINKS);
            assertThat(off.pidsOf(held.get(7))).containsExactlyInAnyOrder(parentPid, childPid);
            SocketOwners offWanted = SocketOwners.scan(ProcFs.system(), Set.of(held.get(7)));
            assertThat(offWanted.reader()).isEqualTo(SocketOwners.Reader.PROC_FD_LINKS);
        } finally {
            System.clearProperty(SocketFileIterators.PROPERTY);
        }
        // The same /proc reached through another path is not "the system /proc": it is read as files.
        SocketOwners viaRootPath = SocketOwners.scan(ProcFs.at(Path.of("/proc/self/root")));
        assertThat(viaRootPath.reader()).isEqualTo(SocketOwners.Reader.PROC_FD_LINKS);
        assertThat(viaRootPath.pidsOf(held.get(7))).containsExactlyInAnyOrder(parentPid, childPid);
    }

    private static Map<Integer, Set<Long>> byPid(SocketOwners owners) {
        Map<Integer, Set<Long>> seen = new HashMap<>();
        owners.forEachOwner((inode, pid) ->
                seen.computeIfAbsent(pid, p -> new java.util.HashSet<>()).add(inode));
        return seen;
    }
}
