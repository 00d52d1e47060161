package dev.hostkit.core.internal.bpf;

import dev.hostkit.core.ProcFs;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Loading, running and refusing the iterator program on this kernel; no fd is left behind on any path. */
class SocketFileIteratorIT {
    private static TaskFileLayout layout() {
        assumeTrue(
                SocketFileIterators.layout().isPresent(),
                () -> "BPF iterator unavailable here: "
                        + SocketFileIterators.unavailableReason().orElse("?"));
        return Btf.readLayout(Btf.VMLINUX);
    }

    @Test
    void aProgramTheVerifierRefusesFailsWithItsVerdictAndLeavesNoFd() {
        TaskFileLayout real = layout();
        // ctx->fd read 4 bytes off: the verifier refuses a context access that is not one of the iterator's arguments.
        TaskFileLayout wrong = new TaskFileLayout(
                real.attachBtfId(),
                real.ctxMeta(),
                real.ctxTask(),
                real.ctxFd() + 4,
                real.ctxFile(),
                real.metaSeq(),
                real.taskTgid(),
                real.fileInode(),
                real.inodeIno(),
                real.inodeMode());
        int fds = ProcFs.openFdCount();
        assertThatThrownBy(() -> SocketFileIterator.load(wrong))
                .isInstanceOf(BpfException.class)
                .hasMessageStartingWith("bpf(BPF_PROG_LOAD)(hk_sock_owners): EACCES (Permission denied): ")
                .hasMessageContaining("processed"); // the verifier's last lines, not only the errno
        assertThat(ProcFs.openFdCount()).isEqualTo(fds);
    }

    @Test
    void anAttachPointThatIsNoIteratorIsRefusedWithTheErrno() {
        TaskFileLayout real = layout();
        TaskFileLayout notAnIterator = new TaskFileLayout(
                1, // type 1 of vmlinux BTF: not FUNC bpf_iter_task_file
                real.ctxMeta(),
                real.ctxTask(),
                real.ctxFd(),
                real.ctxFile(),
                real.metaSeq(),
                real.taskTgid(),
                real.fileInode(),
                real.inodeIno(),
                real.inodeMode());
        // Counted around the load alone: the assertion library's first use may open its jar, an fd of the test's.
        int fds = ProcFs.openFdCount();
        RuntimeException refused = null;
        try {
            SocketFileIterator.load(notAnIterator).close();
        } catch (RuntimeException e) {
            refused = e;
        }
        int after = ProcFs.openFdCount();
        assertThat(refused)
                .isInstanceOf(BpfException.class)
                .hasMessageStartingWith("bpf(BPF_PROG_LOAD)(hk_sock_owners): ");
        assertThat(after).isEqualTo(fds);
    }

    @Test
    void loadScanAndCloseKeepOneFdWhileOpenAndNoneAfter() {
        TaskFileLayout layout = layout();
        int fds = ProcFs.openFdCount();
        SocketFileIterator it = SocketFileIterator.load(layout);
        try {
            assertThat(ProcFs.openFdCount()).as("the link only").isEqualTo(fds + 1);
            int[] records = new int[1];
            it.scan((tgid, fd, inode) -> records[0]++);
            it.scan((tgid, fd, inode) -> {
                throw new IllegalStateException("a sink that fails");
            });
        } catch (IllegalStateException e) {
            assertThat(e).hasMessage("a sink that fails");
        } finally {
            it.close();
        }
        assertThat(ProcFs.openFdCount()).isEqualTo(fds);
        assertThatThrownBy(() -> it.scan((tgid, fd, inode) -> {})).hasMessage("socket iterator closed");
    }
}
