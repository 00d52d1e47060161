package dev.hostkit.netlink;

import dev.hostkit.core.NetNamespace;
import dev.hostkit.core.ProcFs;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.Sh;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@HostTest
class SockDiagIT {
    // ss -x -a -n -H: netid state recv-q send-q local-address local-inode peer-address peer-inode
    private static final Pattern SS_LINE = Pattern.compile(
            "^(u_str|u_dgr|u_seq)\\s+(\\S+)\\s+(\\d+)\\s+(\\d+)\\s+(.*?)\\s+(\\d+)\\s+(\\S+)\\s+(\\d+)\\s*$");

    record SsSocket(String netid, String state, long inode, long peer, String local) {}

    static Map<Long, SsSocket> ss() {
        Map<Long, SsSocket> out = new HashMap<>();
        for (String line : Sh.run("ss", "-x", "-a", "-n", "-H").split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            Matcher m = SS_LINE.matcher(line);
            assertThat(m.matches()).as("ss line %s", line).isTrue();
            out.put(
                    Long.parseLong(m.group(6)),
                    new SsSocket(
                            m.group(1),
                            m.group(2),
                            Long.parseLong(m.group(6)),
                            Long.parseLong(m.group(8)),
                            m.group(5)));
        }
        return out;
    }

    @Test
    void listsEverySocketSsListsWithTheSamePeerInodes() throws Exception {
        Path dir = Files.createTempDirectory("hk-sockdiag");
        Path path = dir.resolve("s.sock");
        // A listener with an accepted connection and one waiting in the backlog, so every kind of entry is present.
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                SocketChannel a = SocketChannel.open(StandardProtocolFamily.UNIX);
                SocketChannel b = SocketChannel.open(StandardProtocolFamily.UNIX);
                SockDiag diag = SockDiag.open()) {
            server.bind(UnixDomainSocketAddress.of(path));
            a.connect(UnixDomainSocketAddress.of(path));
            try (SocketChannel accepted = server.accept()) {
                b.connect(UnixDomainSocketAddress.of(path));
                Map<Long, SsSocket> before = ss();
                Map<Long, UnixSocket> ours =
                        diag.unixSockets().stream().collect(Collectors.toMap(UnixSocket::inode, Function.identity()));
                Map<Long, SsSocket> after = ss();
                int compared = 0;
                for (SsSocket s : before.values()) {
                    if (!s.equals(after.get(s.inode()))) {
                        continue; // came or went while we looked
                    }
                    UnixSocket u = ours.get(s.inode());
                    assertThat(u).as("ss lists %s", s).isNotNull();
                    assertThat(u.peerInode()).as("peer of %s", s).isEqualTo(s.peer());
                    assertThat(u.name().isEmpty() ? "*" : u.name())
                            .as("name of %s", s)
                            .isEqualTo(s.local());
                    assertThat(netid(u.type())).isEqualTo(s.netid());
                    assertThat(ssState(u.state())).as("state of %s", s).isEqualTo(s.state());
                    compared++;
                }
                assertThat(compared).isGreaterThanOrEqualTo(4);
                UnixSocket listener = ours.values().stream()
                        .filter(u ->
                                u.state() == UnixSocket.State.LISTEN && u.name().equals(path.toString()))
                        .findFirst()
                        .orElseThrow();
                assertThat(listener.boundToPath()).isTrue();
                assertThat(listener.uid()).isEqualTo(0);
                assertThat(listener.receiveQueue())
                        .as("connections waiting to be accepted")
                        .isEqualTo(1);
                assertThat(listener.pendingConnections()).hasSize(1);
                UnixSocket waiting = ours.get(listener.pendingConnections().get(0));
                assertThat(waiting).as("the waiting client's socket").isNotNull();
                assertThat(waiting.state()).isEqualTo(UnixSocket.State.ESTABLISHED);
            }
        } finally {
            Files.deleteIfExists(path);
            Files.delete(dir);
        }
    }

    @Test
    void aConnectionAcceptedAfterTheDumpIsFoundByItsClientsPeerInode() throws Exception {
        Path dir = Files.createTempDirectory("hk-sockdiag");
        Path path = dir.resolve("a.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX);
                SockDiag diag = SockDiag.open()) {
            server.bind(UnixDomainSocketAddress.of(path));
            client.connect(UnixDomainSocketAddress.of(path));
            // Taken while the connection waits to be accepted: the kernel lists no server end for it yet.
            List<UnixSocket> before = diag.unixSockets();
            UnixSocket listener = before.stream()
                    .filter(u ->
                            u.state() == UnixSocket.State.LISTEN && u.name().equals(path.toString()))
                    .findFirst()
                    .orElseThrow();
            assertThat(listener.pendingConnections()).hasSize(1);
            long clientInode = listener.pendingConnections().get(0);
            UnixSocket clientEnd = before.stream()
                    .filter(u -> u.inode() == clientInode)
                    .findFirst()
                    .orElseThrow();
            assertThat(clientEnd.peerInode()).as("no server end until accepted").isZero();
            assertThat(before).noneMatch(u -> u.peerInode() == clientInode);
            try (SocketChannel accepted = server.accept()) {
                // The dump raced with the accept: looking again at the peers it did not list finds the server end.
                List<UnixSocket> fixed = UnixSocketClients.withAcceptedMeanwhile(diag, before);
                UnixSocket serverEnd = fixed.stream()
                        .filter(u -> u.peerInode() == clientInode)
                        .findFirst()
                        .orElseThrow();
                assertThat(serverEnd.state()).isEqualTo(UnixSocket.State.ESTABLISHED);
                assertThat(serverEnd.name()).isEqualTo(path.toString());
                assertThat(serverEnd.peerInode()).isEqualTo(clientInode);
                assertThat(diag.unixSocket(serverEnd.inode())).contains(serverEnd);
            }
            assertThat(diag.unixSocket(listener.inode() + 1_000_000_000L)).isEmpty();
        } finally {
            Files.deleteIfExists(path);
            Files.delete(dir);
        }
    }

    @Test
    void queuesShowBytesNobodyReadYet() throws Exception {
        Path dir = Files.createTempDirectory("hk-sockdiag");
        Path path = dir.resolve("q.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX);
                SockDiag diag = SockDiag.open()) {
            server.bind(UnixDomainSocketAddress.of(path));
            client.connect(UnixDomainSocketAddress.of(path));
            try (SocketChannel accepted = server.accept()) {
                client.write(java.nio.ByteBuffer.wrap(new byte[100]));
                List<UnixSocket> all = diag.unixSockets();
                UnixSocket serverEnd = all.stream()
                        .filter(u -> u.state() == UnixSocket.State.ESTABLISHED
                                && u.name().equals(path.toString()))
                        .findFirst()
                        .orElseThrow();
                UnixSocket clientEnd = all.stream()
                        .filter(u -> u.inode() == serverEnd.peerInode())
                        .findFirst()
                        .orElseThrow();
                assertThat(clientEnd.peerInode()).isEqualTo(serverEnd.inode());
                assertThat(serverEnd.receiveQueue()).isEqualTo(100);
                assertThat(serverEnd.idle()).isFalse();
                assertThat(clientEnd.sendQueue())
                        .as("bytes in flight, with the kernel's accounting")
                        .isPositive();
                assertThat(clientEnd.name()).isEmpty();
            }
        } finally {
            Files.deleteIfExists(path);
            Files.delete(dir);
        }
    }

    @Test
    void aNamespaceShowsOnlyItsOwnSockets(TestNetns ns) throws Exception {
        Set<Long> host;
        try (SockDiag diag = SockDiag.open()) {
            host = diag.unixSockets().stream().map(UnixSocket::inode).collect(Collectors.toSet());
        }
        try (NetNamespace n = ns.open();
                SockDiag diag = SockDiag.open(n)) {
            List<UnixSocket> inside = diag.unixSockets();
            assertThat(inside).extracting(UnixSocket::inode).doesNotContainAnyElementsOf(host);
        }
    }

    @Test
    void procNetUnixListsTheSameSocketsWithoutPeers() {
        try (SockDiag diag = SockDiag.open()) {
            Map<Long, UnixSocket> dump =
                    diag.unixSockets().stream().collect(Collectors.toMap(UnixSocket::inode, Function.identity()));
            List<UnixSocket> proc = ProcNetUnix.read(ProcFs.system());
            Map<Long, UnixSocket> again =
                    diag.unixSockets().stream().collect(Collectors.toMap(UnixSocket::inode, Function.identity()));
            int compared = 0;
            for (UnixSocket p : proc) {
                UnixSocket d = dump.get(p.inode());
                if (d == null || !d.equals(again.get(p.inode()))) {
                    continue;
                }
                assertThat(p.type()).isEqualTo(d.type());
                assertThat(p.name()).isEqualTo(d.name());
                // /proc/net/unix says "connected" for a socket whose peer already closed; sock_diag too.
                assertThat(p.state()).as("%s vs %s", p, d).isEqualTo(d.state());
                assertThat(p.peerInode()).isZero();
                compared++;
            }
            assertThat(compared).isPositive();
        }
    }

    @Test
    void listsTenThousandSocketsOfAnotherProcess() throws Exception {
        Process child = new ProcessBuilder(
                        "python3",
                        "-c",
                        String.join(
                                "\n",
                                "import resource, socket, sys",
                                "hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]",
                                "resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))",
                                "pairs = [socket.socketpair() for _ in range(5000)]",
                                "print('ready', flush=True)",
                                "sys.stdin.read()"))
                .redirectErrorStream(true)
                .start();
        try {
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("ready");
            try (SockDiag diag = SockDiag.open()) {
                List<UnixSocket> all = diag.unixSockets();
                Set<Long> inodes = new HashSet<>();
                all.forEach(s -> assertThat(inodes.add(s.inode()))
                        .as("listed twice: %s", s)
                        .isTrue());
                long paired = all.stream()
                        .filter(s -> s.state() == UnixSocket.State.ESTABLISHED
                                && s.peerInode() != 0
                                && inodes.contains(s.peerInode()))
                        .count();
                assertThat(paired).isGreaterThanOrEqualTo(10_000);
                // Every pair points both ways.
                Map<Long, Long> peer = all.stream().collect(Collectors.toMap(UnixSocket::inode, UnixSocket::peerInode));
                all.stream()
                        .filter(s -> s.peerInode() != 0 && peer.containsKey(s.peerInode()))
                        .forEach(s -> assertThat(peer.get(s.peerInode())).isEqualTo(s.inode()));
            }
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
            child.getInputStream().close();
            child.getOutputStream().close();
        }
    }

    @Test
    void aClosedNamespaceIsRefusedBeforeAnythingOpens(TestNetns ns) {
        NetNamespace n = ns.open();
        n.close();
        assertThatThrownBy(() -> SockDiag.open(n))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("closed namespace");
    }

    static String netid(UnixSocket.Type t) {
        return switch (t) {
            case STREAM -> "u_str";
            case DGRAM -> "u_dgr";
            case SEQPACKET -> "u_seq";
        };
    }

    static String ssState(UnixSocket.State s) {
        return switch (s) {
            case ESTABLISHED -> "ESTAB";
            case LISTEN -> "LISTEN";
            case CLOSE -> "UNCONN";
        };
    }
}
