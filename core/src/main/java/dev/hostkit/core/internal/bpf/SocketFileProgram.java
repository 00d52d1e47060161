package dev.hostkit.core.internal.bpf;

import static dev.hostkit.core.internal.bpf.BpfAssembler.BPF_DW;
import static dev.hostkit.core.internal.bpf.BpfAssembler.BPF_H;
import static dev.hostkit.core.internal.bpf.BpfAssembler.BPF_W;
import static dev.hostkit.core.internal.bpf.BpfAssembler.R10;

/**
 * The {@code task_file} iterator program: for every open file of every process that is a socket, one 16-byte record
 * {@code {u32 tgid, u32 fd, u64 inode}} (native order) written to the iterator's output; nothing for anything else.
 */
final class SocketFileProgram {
    /** Bytes per record. */
    static final int RECORD = 16;
    /** enum bpf_func_id: {@code long bpf_seq_write(struct seq_file *m, const void *data, u32 len)}, GPL-only. */
    static final int BPF_FUNC_SEQ_WRITE = 127;
    /** The license the kernel checks GPL-only helpers against. */
    static final String LICENSE = "Dual BSD/GPL";
    // linux/stat.h
    static final int S_IFMT = 0xf000; // 0170000
    static final int S_IFSOCK = 0xc000; // 0140000

    private SocketFileProgram() {}

    /** The program's instructions for a kernel with this layout. */
    static byte[] instructions(TaskFileLayout k) {
        BpfAssembler a = new BpfAssembler();
        BpfAssembler.Label done = new BpfAssembler.Label();
        // r1 = ctx (struct bpf_iter__task_file *). task and file are NULL on the iterator's last call.
        a.load(BPF_DW, 6, 1, k.ctxMeta()) // r6 = ctx->meta
                .load(BPF_DW, 7, 1, k.ctxTask()) // r7 = ctx->task
                .jumpIfEqual(7, 0, done)
                .load(BPF_DW, 8, 1, k.ctxFile()) // r8 = ctx->file
                .jumpIfEqual(8, 0, done)
                .load(BPF_W, 9, 1, k.ctxFd()) // r9 = ctx->fd
                .load(BPF_DW, 2, 8, k.fileInode()) // r2 = file->f_inode
                .jumpIfEqual(2, 0, done)
                .load(BPF_H, 3, 2, k.inodeMode()) // r3 = inode->i_mode
                .andImm(3, S_IFMT)
                .jumpIfNotEqual(3, S_IFSOCK, done)
                // The record on the stack at fp-16: tgid, fd, inode.
                .load(BPF_DW, 3, 2, k.inodeIno()) // r3 = inode->i_ino
                .store(BPF_DW, R10, -8, 3)
                .load(BPF_W, 3, 7, k.taskTgid()) // r3 = task->tgid
                .store(BPF_W, R10, -16, 3)
                .store(BPF_W, R10, -12, 9)
                // bpf_seq_write(meta->seq, fp-16, 16)
                .load(BPF_DW, 1, 6, k.metaSeq())
                .movReg(2, R10)
                .addImm(2, -RECORD)
                .movImm(3, RECORD)
                .call(BPF_FUNC_SEQ_WRITE)
                .bind(done)
                .movImm(0, 0) // 0: go on to the next file
                .exit();
        return a.assemble();
    }
}
