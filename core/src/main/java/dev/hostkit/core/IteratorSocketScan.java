package dev.hostkit.core;

import dev.hostkit.core.internal.bpf.BpfException;
import dev.hostkit.core.internal.bpf.SocketFileIterators;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@link SocketOwners} from the BPF {@code task_file} iterator: every socket fd of every process in one read loop, on
 * the live host only. Answers null whenever the iterator cannot, so that the {@code /proc} scan does.
 */
final class IteratorSocketScan {
    private static final Logger LOG = LoggerFactory.getLogger(SocketOwners.class);
    private static final Path SYSTEM_PROC = ProcFs.system().proc();

    private IteratorSocketScan() {}

    /** Owners as the iterator reports them, keeping {@code wanted} only (null: all); null when it cannot answer. */
    static SocketOwners scan(ProcFs proc, Set<Long> wanted) {
        // The iterator sees the live host only: a fixture tree (a test's, an old kernel's) is read as files.
        if (!proc.proc().equals(SYSTEM_PROC)) {
            return null;
        }
        Map<Long, Object> owners = new HashMap<>(wanted == null ? 4096 : wanted.size() * 2);
        try {
            boolean served = SocketFileIterators.scan((tgid, fd, inode) -> {
                if (wanted == null || wanted.contains(inode)) {
                    SocketOwners.add(owners, inode, tgid);
                }
            });
            if (!served) {
                return null;
            }
        } catch (BpfException e) {
            LOG.debug("socket owners: BPF iterator failed, reading /proc/PID/fd this time: {}", e.getMessage());
            return null;
        }
        // Every process's table was visited: as many as /proc lists (the /proc scan counts the same ones).
        return new SocketOwners(owners, proc.pids().size(), SocketOwners.Reader.BPF_TASK_FILE);
    }
}
