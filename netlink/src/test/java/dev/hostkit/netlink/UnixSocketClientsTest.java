package dev.hostkit.netlink;

import dev.hostkit.core.ProcFs;
import dev.hostkit.core.SocketOwners;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The clients computation over a made-up dump and a fixture /proc: what counts as a client, idle, unowned, growth. */
class UnixSocketClientsTest {
    private static final UnixSocketClients.FileId ENGINE = new UnixSocketClients.FileId(7, 500);
    private static final Path SOCK = Path.of("/run/docker.sock");

    private static UnixSocket listener(long inode, List<Long> pending) {
        return new UnixSocket(
                inode,
                UnixSocket.Type.STREAM,
                UnixSocket.State.LISTEN,
                SOCK.toString(),
                7,
                500,
                0,
                pending.size(),
                4096,
                0,
                pending);
    }

    private static UnixSocket accepted(long inode, long peer, int rq, int wq) {
        return new UnixSocket(
                inode,
                UnixSocket.Type.STREAM,
                UnixSocket.State.ESTABLISHED,
                SOCK.toString(),
                7,
                500,
                peer,
                rq,
                wq,
                0,
                List.of());
    }

    private static UnixSocket client(long inode, long peer) {
        return new UnixSocket(
                inode, UnixSocket.Type.STREAM, UnixSocket.State.ESTABLISHED, "", 0, 0, peer, 0, 0, 1000, List.of());
    }

    private static void process(Path root, int pid, String comm, long... sockets) throws Exception {
        Path p = Files.createDirectories(root.resolve("proc/" + pid + "/fd"));
        for (int i = 0; i < sockets.length; i++) {
            Files.createSymbolicLink(p.resolve(Integer.toString(i)), Path.of("socket:[" + sockets[i] + "]"));
        }
        Path dir = root.resolve("proc/" + pid);
        Files.writeString(dir.resolve("comm"), comm + "\n");
        Files.write(dir.resolve("cmdline"), (comm + "\0").getBytes());
        Files.writeString(dir.resolve("cgroup"), "0::/\n");
        Files.writeString(
                dir.resolve("stat"),
                pid + " (" + comm + ") S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 " + pid * 10 + " 0\n");
    }

    @Test
    void countsClientsPerProcessAndNeverTheEnginesOwnEnds(@TempDir Path root) throws Exception {
        // engine (pid 100): listener 1 and accepted ends 11..14; agent (pid 200): clients 21, 22, 23 (23 busy);
        // 24 waits in the accept queue (pid 300); 25's owner is invisible; 30/31 is an unrelated pair of the agent.
        process(root, 100, "dockerd", 1, 11, 12, 13, 14);
        process(root, 200, "leaky-agent", 21, 22, 23, 30, 31);
        process(root, 300, "slow", 24);
        List<UnixSocket> dump = List.of(
                listener(1, List.of(24L)),
                accepted(11, 21, 0, 0),
                accepted(12, 22, 0, 0),
                accepted(13, 23, 0, 2304),
                accepted(14, 25, 0, 0),
                client(21, 11),
                client(22, 12),
                client(23, 13),
                client(24, 0),
                client(30, 31),
                client(31, 30));
        ProcFs proc = ProcFs.at(root);
        UnixSocketClients.Survey s =
                UnixSocketClients.survey(SOCK, ENGINE, dump, SocketOwners.scan(proc), proc, Instant.EPOCH);

        assertThat(s.listeners()).containsExactly(1L);
        assertThat(s.listenerPids()).containsExactly(100);
        assertThat(s.connections()).isEqualTo(5);
        assertThat(s.unowned()).isEqualTo(1);
        assertThat(s.clients()).hasSize(2);
        UnixSocketClients.ClientProcess agent = s.clients().get(0);
        assertThat(agent.process().comm()).isEqualTo("leaky-agent");
        assertThat(agent.connections()).isEqualTo(3);
        assertThat(agent.idle()).isEqualTo(2);
        assertThat(agent.oldestInode()).isEqualTo(21);
        assertThat(agent.listenerOwner()).isFalse();
        UnixSocketClients.ClientProcess waiting = s.clients().get(1);
        assertThat(waiting.process().pid()).isEqualTo(300);
        assertThat(waiting.idle()).as("not accepted yet").isZero();
        assertThat(s.clients()).noneMatch(c -> c.process().pid() == 100);
    }

    @Test
    void growthIsPerProcessPerMinuteAndAReusedPidStartsFromZero(@TempDir Path root) throws Exception {
        process(root, 200, "agent", 21, 22);
        ProcFs proc = ProcFs.at(root);
        List<UnixSocket> before = List.of(listener(1, List.of()), accepted(11, 21, 0, 0), accepted(12, 22, 0, 0));
        UnixSocketClients.Survey first = UnixSocketClients.survey(
                SOCK, ENGINE, before, SocketOwners.scan(proc), proc, Instant.parse("2026-01-01T00:00:00Z"));
        Files.createSymbolicLink(root.resolve("proc/200/fd/9"), Path.of("socket:[23]"));
        List<UnixSocket> after =
                List.of(listener(1, List.of()), accepted(11, 21, 0, 0), accepted(12, 22, 0, 0), accepted(13, 23, 0, 0));
        UnixSocketClients.Survey second = UnixSocketClients.survey(
                SOCK, ENGINE, after, SocketOwners.scan(proc), proc, Instant.parse("2026-01-01T00:00:30Z"));
        List<UnixSocketClients.Growth> g = UnixSocketClients.growth(first, second);
        assertThat(g).hasSize(1);
        assertThat(g.get(0).before()).isEqualTo(2);
        assertThat(g.get(0).after()).isEqualTo(3);
        assertThat(g.get(0).perMinute()).isEqualTo(2.0);

        // Same pid, different start time: a new process.
        Files.writeString(
                root.resolve("proc/200/stat"), "200 (agent) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99999 0\n");
        UnixSocketClients.Survey third = UnixSocketClients.survey(
                SOCK, ENGINE, after, SocketOwners.scan(proc), proc, Instant.parse("2026-01-01T00:01:00Z"));
        assertThat(UnixSocketClients.growth(second, third).get(0).before()).isZero();

        assertThatThrownBy(() -> UnixSocketClients.growth(second, first))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not later");
    }
}
