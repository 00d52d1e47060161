package dev.hostkit.netlink;

import dev.hostkit.core.ProcFs;
import dev.hostkit.testkit.DockerEngine;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.LeakyClient;
import org.junit.jupiter.api.Test;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@HostTest
class UnixSocketClientsIT {
    private static Optional<UnixSocketClients.ClientProcess> entry(UnixSocketClients.Survey s, int pid) {
        return s.clients().stream().filter(c -> c.process().pid() == pid).findFirst();
    }

    @Test
    void namesTheLeakingProcessWithItsCountAndGrowthAndForgetsItAfterItExits(DockerEngine engine) throws Exception {
        Path socket = engine.socket();
        try (SockDiag diag = SockDiag.open();
                SocketChannel mine1 = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                SocketChannel mine2 = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            int leakerPid;
            UnixSocketClients.Survey first;
            try (LeakyClient leaker = new LeakyClient(socket)) {
                leakerPid = leaker.pid();
                leaker.open(40, "idle");
                leaker.open(3, "ask");
                first = UnixSocketClients.survey(diag, ProcFs.system(), socket);

                assertThat(first.listeners()).hasSize(1);
                assertThat(first.listenerPids()).isNotEmpty();
                for (int pid : first.listenerPids()) {
                    assertThat(Files.readString(Path.of("/proc/" + pid + "/comm"))
                                    .strip())
                            .isEqualTo("dockerd");
                }
                UnixSocketClients.ClientProcess leak = entry(first, leakerPid).orElseThrow();
                assertThat(leak.process().comm()).isEqualTo("python3");
                assertThat(leak.process().cmdline()).contains(leaker.script().toString());
                assertThat(leak.connections()).isEqualTo(43);
                assertThat(leak.idle()).as("three hold an unread answer").isEqualTo(40);
                assertThat(leak.currentProcess()).isFalse();
                assertThat(leak.listenerOwner()).isFalse();
                assertThat(first.clients().get(0).process().pid())
                        .as("most connections first")
                        .isEqualTo(leakerPid);

                UnixSocketClients.ClientProcess self = first.clients().stream()
                        .filter(UnixSocketClients.ClientProcess::currentProcess)
                        .findFirst()
                        .orElseThrow();
                assertThat(self.process().pid())
                        .isEqualTo(ProcessHandle.current().pid());
                assertThat(self.connections()).isEqualTo(2);
                assertThat(self.idle()).isEqualTo(2);
                // The engine's own (accepted) ends are never clients.
                assertThat(first.clients())
                        .noneMatch(
                                c -> first.listenerPids().contains(c.process().pid()));

                Thread.sleep(50);
                leaker.open(10, "idle");
                UnixSocketClients.Survey second = UnixSocketClients.survey(diag, ProcFs.system(), socket);
                assertThat(entry(second, leakerPid).orElseThrow().connections()).isEqualTo(53);
                List<UnixSocketClients.Growth> growth = UnixSocketClients.growth(first, second);
                UnixSocketClients.Growth g = growth.get(0);
                assertThat(g.process().pid()).isEqualTo(leakerPid);
                assertThat(g.before()).isEqualTo(43);
                assertThat(g.after()).isEqualTo(53);
                assertThat(g.perMinute()).isPositive();
                assertThat(growth)
                        .filteredOn(x -> x.process().pid() != leakerPid)
                        .allSatisfy(x -> assertThat(x.after()).isEqualTo(x.before()));
            }
            UnixSocketClients.Survey after = UnixSocketClients.survey(diag, ProcFs.system(), socket);
            assertThat(entry(after, leakerPid)).as("the leaker exited").isEmpty();
            assertThat(after.clients()).anyMatch(c -> c.currentProcess() && c.connections() == 2);
        }
    }

    @Test
    void aMissingPathOrAFileThatIsNoSocketIsAClearError() throws Exception {
        try (SockDiag diag = SockDiag.open()) {
            Path missing = Path.of("/tmp/hk-no-such-dir/docker.sock");
            assertThatThrownBy(() -> UnixSocketClients.survey(diag, ProcFs.system(), missing))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("socket /tmp/hk-no-such-dir/docker.sock does not exist");
            Path file = Files.createTempFile("hk-not-a-socket", ".sock");
            try {
                assertThatThrownBy(() -> UnixSocketClients.survey(diag, ProcFs.system(), file))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining(file + " is not a socket");
            } finally {
                Files.delete(file);
            }
        }
    }

    @Test
    void aSocketFileNobodyListensOnHasNoClients() throws Exception {
        Path dir = Files.createTempDirectory("hk-dead");
        Path path = dir.resolve("dead.sock");
        try (SockDiag diag = SockDiag.open()) {
            try (var server = java.nio.channels.ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                server.bind(UnixDomainSocketAddress.of(path));
            }
            UnixSocketClients.Survey s = UnixSocketClients.survey(diag, ProcFs.system(), path);
            assertThat(s.listeners()).isEmpty();
            assertThat(s.clients()).isEmpty();
            assertThat(s.connections()).isZero();
        } finally {
            Files.deleteIfExists(path);
            Files.delete(dir);
        }
    }
}
