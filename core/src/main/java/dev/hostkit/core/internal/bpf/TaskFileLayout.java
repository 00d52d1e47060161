package dev.hostkit.core.internal.bpf;

/**
 * The running kernel's numbers the socket-owner iterator program is built from, read from its BTF: the id of the
 * iterator's attach function and the byte offsets of the few fields the program loads. Sizes were checked when read.
 *
 * @param attachBtfId BTF id of FUNC {@code bpf_iter_task_file} (the program's {@code attach_btf_id})
 * @param ctxMeta offset of {@code meta} in {@code struct bpf_iter__task_file} (the program's context)
 * @param ctxTask offset of {@code task} in the context
 * @param ctxFd offset of {@code fd} (a u32) in the context
 * @param ctxFile offset of {@code file} in the context
 * @param metaSeq offset of {@code seq} in {@code struct bpf_iter_meta}
 * @param taskTgid offset of {@code tgid} (a 4-byte pid_t) in {@code struct task_struct}
 * @param fileInode offset of {@code f_inode} in {@code struct file}
 * @param inodeIno offset of {@code i_ino} (8 bytes) in {@code struct inode}
 * @param inodeMode offset of {@code i_mode} (2 bytes) in {@code struct inode}
 */
public record TaskFileLayout(
        int attachBtfId,
        int ctxMeta,
        int ctxTask,
        int ctxFd,
        int ctxFile,
        int metaSeq,
        int taskTgid,
        int fileInode,
        int inodeIno,
        int inodeMode) {}
