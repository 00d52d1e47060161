package dev.hostkit.netlink;

import dev.hostkit.core.ProcFs;
import dev.hostkit.core.ProcessInfo;
import dev.hostkit.core.SocketOwners;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Who is connected to a listening unix socket (the Docker engine's, typically), per process: connections, idle ones
 * and the oldest by socket inode; and the growth between two surveys. Pure functions over plain values except
 * {@link #survey(SockDiag, ProcFs, Path)}, which takes the dump and the {@code /proc} scan once each.
 */
public final class UnixSocketClients {
    private static final int PEER_LOOKUPS = 4096;

    private UnixSocketClients() {}

    /**
     * One process connected to the socket.
     *
     * @param process the process (pid, start time, comm, cmdline, container id)
     * @param connections client sockets it holds to the socket
     * @param idle of those, the ones with nothing queued either way (the server side's receive and send queues empty)
     * @param oldestInode the lowest client socket inode it holds. The kernel does not tell when a socket was
     *                    created ({@code unix_diag} has no time and sockfs inodes carry none); inodes come from a
     *                    counter, so the lowest is roughly the oldest. A doctor that remembers inodes across surveys
     *                    can date them by first sight.
     * @param listenerOwner whether it also holds the listening socket (the engine connecting to itself)
     * @param currentProcess whether it is the process that took the survey (hostkit's own connections)
     */
    public record ClientProcess(
            ProcessInfo process,
            int connections,
            int idle,
            long oldestInode,
            boolean listenerOwner,
            boolean currentProcess) {}

    /**
     * The clients of one socket at one moment.
     *
     * @param socketPath the socket file asked about
     * @param takenAt when the survey was taken
     * @param listeners inodes of the listening sockets bound to that file (usually one; none when nobody listens)
     * @param listenerPids processes holding a listening socket (the engine)
     * @param connections every client connection: accepted plus waiting to be accepted
     * @param clients per process, most connections first; a socket shared by several processes (inherited over fork)
     *                counts for each one seen holding it (the {@code /proc} scan stops once every socket has an owner)
     * @param unowned connections whose client end no visible process holds (another pid namespace, or just closed)
     */
    public record Survey(
            Path socketPath,
            Instant takenAt,
            List<Long> listeners,
            List<Integer> listenerPids,
            int connections,
            List<ClientProcess> clients,
            int unowned) {
        /** Canonical constructor; copies the lists. */
        public Survey {
            listeners = List.copyOf(listeners);
            listenerPids = List.copyOf(listenerPids);
            clients = List.copyOf(clients);
        }

        /** The entry of {@code pid} with this start time, if it was connected. */
        public Optional<ClientProcess> client(int pid, long startTicks) {
            return clients.stream()
                    .filter(c -> c.process().pid() == pid && c.process().startTicks() == startTicks)
                    .findFirst();
        }
    }

    /**
     * How one process's connection count changed between two surveys.
     *
     * @param process the process as the later survey saw it
     * @param before connections in the earlier survey (0 when it was not connected, or is a new process with a
     *               reused pid)
     * @param after connections in the later survey
     * @param perMinute {@code (after - before)} per minute of time between the surveys
     */
    public record Growth(ProcessInfo process, int before, int after, double perMinute) {}

    /**
     * Surveys the clients of the socket at {@code socketPath} (symlinks followed): one sock_diag dump, one
     * {@code /proc} fd scan that stops once the listener and every client socket have an owner (the rest of the
     * listener's holder's table is read last), then {@link #survey(Path, FileId, List, SocketOwners, ProcFs, Instant)}.
     *
     * @throws IllegalArgumentException naming the path when it does not exist or is not a socket
     */
    public static Survey survey(SockDiag diag, ProcFs proc, Path socketPath) {
        return survey(diag, proc, socketPath, diag::unixSockets);
    }

    /**
     * {@link #survey(SockDiag, ProcFs, Path)} with the dump taken by {@code dump}, so that a caller can keep its own
     * short connections to the socket from overlapping it. A client socket listed by the dump but closed before the
     * scan reaches its process can never be found, and then the scan reads every table to its end.
     *
     * @param dump takes the sock_diag dump of every unix socket (typically {@code diag::unixSockets} under a lock)
     * @throws IllegalArgumentException naming the path when it does not exist or is not a socket
     */
    public static Survey survey(SockDiag diag, ProcFs proc, Path socketPath, Supplier<List<UnixSocket>> dump) {
        FileId file = FileId.of(socketPath);
        Instant at = Instant.now();
        List<UnixSocket> sockets = withAcceptedMeanwhile(diag, dump.get());
        // Only the listeners' and the clients' owners matter (not the engine's accepted ends): the scan stops once
        // each of those has been seen.
        Set<Long> wanted = new HashSet<>();
        Set<Long> listeners = new HashSet<>(2);
        for (UnixSocket s : sockets) {
            if (file.matches(s)) {
                if (s.state() == UnixSocket.State.LISTEN) {
                    wanted.add(s.inode());
                    listeners.add(s.inode());
                    wanted.addAll(s.pendingConnections());
                } else if (s.peerInode() != 0) {
                    wanted.add(s.peerInode());
                }
            }
        }
        // The engine's table goes on after its listener with one accepted socket per client, none of them wanted:
        // it is read to its end only if a client is still missing once every other process has been read.
        SocketOwners owners = SocketOwners.scan(proc, wanted, listeners);
        return survey(socketPath, file, sockets, owners, proc, at);
    }

    /**
     * The dump plus the server ends it did not list, looked up again one by one. The kernel lists a connection's
     * server end only once it is accepted (until then the client shows peer 0), and a dump is not a snapshot: a
     * connection accepted after the dump passed the accepted socket's hash slot but before it reached the listener's
     * is in neither (seen with 10 fresh connections to a busy dockerd). So every connected socket whose peer is 0 or
     * not in the dump is asked for again by inode, and its peer then. Closed peers answer peer 0 or ENOENT; at most
     * {@value #PEER_LOOKUPS} sockets are asked about.
     */
    static List<UnixSocket> withAcceptedMeanwhile(SockDiag diag, List<UnixSocket> sockets) {
        // The dump's inodes sorted, not in a HashSet<Long>: boxing thousands of them cost ~3 ms of CPU per survey.
        long[] listed = new long[sockets.size()];
        for (int i = 0; i < listed.length; i++) {
            listed[i] = sockets.get(i).inode();
        }
        Arrays.sort(listed);
        Set<Long> added = new HashSet<>(); // peers looked up since (few)
        List<UnixSocket> out = sockets;
        int asked = 0;
        for (UnixSocket s : sockets) {
            long peer = s.peerInode();
            if (s.state() != UnixSocket.State.ESTABLISHED
                    || s.type() == UnixSocket.Type.DGRAM
                    || (peer != 0 && (Arrays.binarySearch(listed, peer) >= 0 || added.contains(peer)))) {
                continue;
            }
            if (asked++ == PEER_LOOKUPS) {
                break;
            }
            if (peer == 0) {
                peer = diag.unixSocket(s.inode()).map(UnixSocket::peerInode).orElse(0L);
                if (peer == 0 || Arrays.binarySearch(listed, peer) >= 0 || added.contains(peer)) {
                    continue;
                }
            }
            added.add(peer);
            Optional<UnixSocket> found = diag.unixSocket(peer);
            if (found.isPresent()) {
                if (out == sockets) {
                    out = new ArrayList<>(sockets);
                }
                out.add(found.get());
            }
        }
        return out;
    }

    /**
     * The clients of the socket file {@code file} in a dump: listeners are the {@code LISTEN} sockets bound to it; the
     * engine's accepted sockets are the {@code ESTABLISHED} ones bound to it (an accepted unix socket carries its
     * listener's address) and their peers are the clients; connections waiting in the accept queue come from the
     * listener's {@code UNIX_DIAG_ICONS}. The engine's own ends are never counted as clients. Owners are looked up in
     * {@code owners} and described from {@code proc} (a process gone by then counts as unowned).
     */
    public static Survey survey(
            Path socketPath, FileId file, List<UnixSocket> sockets, SocketOwners owners, ProcFs proc, Instant at) {
        List<Long> listeners = new ArrayList<>(1);
        // client inode -> idle (from the engine's accepted end: the client's queues mirror it)
        Map<Long, Boolean> clientIdle = new LinkedHashMap<>(sockets.size()); // sized once: thousands of clients
        for (UnixSocket s : sockets) {
            if (!file.matches(s)) {
                continue;
            }
            if (s.state() == UnixSocket.State.LISTEN) {
                listeners.add(s.inode());
                for (long waiting : s.pendingConnections()) {
                    clientIdle.putIfAbsent(waiting, false); // not accepted yet: its request is still unanswered
                }
            } else if (s.state() == UnixSocket.State.ESTABLISHED && s.peerInode() != 0) {
                clientIdle.put(s.peerInode(), s.idle());
            }
        }
        Set<Integer> listenerPids = new HashSet<>();
        for (long l : listeners) {
            listenerPids.addAll(owners.pidsOf(l));
        }
        Map<Integer, long[]> perPid = new HashMap<>(); // pid -> {connections, idle, oldest inode}
        int unowned = 0;
        for (Map.Entry<Long, Boolean> c : clientIdle.entrySet()) {
            List<Integer> pids = owners.pidsOf(c.getKey());
            if (pids.isEmpty()) {
                unowned++;
            }
            for (int pid : pids) {
                long[] n = perPid.computeIfAbsent(pid, p -> new long[] {0, 0, Long.MAX_VALUE});
                n[0]++;
                if (c.getValue()) {
                    n[1]++;
                }
                n[2] = Math.min(n[2], c.getKey());
            }
        }
        List<ClientProcess> clients = new ArrayList<>(perPid.size());
        for (Map.Entry<Integer, long[]> e : perPid.entrySet()) {
            Optional<ProcessInfo> p = ProcessInfo.read(proc, e.getKey());
            if (p.isEmpty()) {
                unowned += (int) e.getValue()[0];
                continue;
            }
            clients.add(new ClientProcess(
                    p.get(),
                    (int) e.getValue()[0],
                    (int) e.getValue()[1],
                    e.getValue()[2],
                    listenerPids.contains(e.getKey()),
                    p.get().isCurrentProcess()));
        }
        clients.sort(Comparator.comparingInt(ClientProcess::connections)
                .reversed()
                .thenComparingInt(c -> c.process().pid()));
        List<Integer> lp = new ArrayList<>(listenerPids);
        lp.sort(null);
        return new Survey(socketPath, at, listeners, lp, clientIdle.size(), clients, unowned);
    }

    /**
     * Growth per process from {@code before} to {@code after}, fastest first: a process is the same when pid and
     * start time match (a reused pid starts from 0). Processes gone by {@code after} are left out.
     *
     * @throws IllegalArgumentException when {@code after} was not taken after {@code before}
     */
    public static List<Growth> growth(Survey before, Survey after) {
        Duration between = Duration.between(before.takenAt(), after.takenAt());
        if (between.isNegative() || between.isZero()) {
            throw new IllegalArgumentException("the second survey (" + after.takenAt()
                    + ") is not later than the first (" + before.takenAt() + ")");
        }
        double minutes = between.toNanos() / 60e9;
        List<Growth> out = new ArrayList<>(after.clients().size());
        for (ClientProcess c : after.clients()) {
            int was = before.client(c.process().pid(), c.process().startTicks())
                    .map(ClientProcess::connections)
                    .orElse(0);
            out.add(new Growth(c.process(), was, c.connections(), (c.connections() - was) / minutes));
        }
        out.sort(Comparator.comparingDouble(Growth::perMinute)
                .reversed()
                .thenComparingInt(g -> g.process().pid()));
        return out;
    }

    /**
     * A socket file's identity as {@code UNIX_DIAG_VFS} reports it: inode and the kernel's dev_t encoding (major in
     * the high 12 bits, minor in the low 20), which differs from the userspace encoding {@code stat} returns.
     *
     * @param kernelDevice the kernel's dev_t
     * @param inode the file's inode
     */
    public record FileId(long kernelDevice, long inode) {
        /**
         * Stats {@code path} (following symlinks such as {@code /var/run -> /run}).
         *
         * @throws IllegalArgumentException naming the path when it does not exist, is not a socket or cannot be read
         */
        public static FileId of(Path path) {
            try {
                Map<String, Object> a = Files.readAttributes(path, "unix:ino,dev,mode");
                int mode = (Integer) a.get("mode");
                if ((mode & 0xf000) != 0xc000) { // S_IFSOCK
                    throw new IllegalArgumentException(
                            "socket " + path + " is not a socket (mode " + Integer.toOctalString(mode) + ")");
                }
                return new FileId(kernelDev((Long) a.get("dev")), (Long) a.get("ino"));
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException("socket " + path + " does not exist", e);
            } catch (IOException | UnsupportedOperationException e) {
                throw new IllegalArgumentException("cannot stat socket " + path + ": " + e, e);
            }
        }

        /** Whether {@code s} is bound to this file (a listener or one of its accepted sockets). */
        public boolean matches(UnixSocket s) {
            return s.fileInode() == inode && s.fileDevice() == kernelDevice;
        }

        // glibc's gnu_dev_major/minor, then the kernel's MKDEV (major << 20 | minor).
        static long kernelDev(long userDev) {
            long major = ((userDev >>> 8) & 0xfff) | ((userDev >>> 32) & ~0xfffL);
            long minor = (userDev & 0xff) | ((userDev >>> 12) & ~0xffL);
            return (major << 20) | (minor & 0xfffff);
        }
    }
}
