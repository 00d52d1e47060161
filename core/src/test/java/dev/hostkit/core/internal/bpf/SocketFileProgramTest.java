package dev.hostkit.core.internal.bpf;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SocketFileProgramTest {
    // Linux 6.18 x86_64's numbers (tgid at 0x4f4, f_inode at 32, i_ino at 64, i_mode at 0), attach id irrelevant here.
    private static final TaskFileLayout LINUX_6_18 = new TaskFileLayout(64177, 0, 8, 16, 24, 0, 0x4f4, 32, 64, 0);

    @Test
    void encodesTheSocketRecordProgramInstructionByInstruction() {
        // opcode, dst|src<<4, off (le16), imm (le32); jumps land on "r0 = 0" (instruction 21).
        String expected = String.join(
                "",
                "7916000000000000", //  0 r6 = *(u64 *)(r1 + 0)      ctx->meta
                "7917080000000000", //  1 r7 = *(u64 *)(r1 + 8)      ctx->task
                "1507120000000000", //  2 if r7 == 0 goto +18
                "7918180000000000", //  3 r8 = *(u64 *)(r1 + 24)     ctx->file
                "1508100000000000", //  4 if r8 == 0 goto +16
                "6119100000000000", //  5 r9 = *(u32 *)(r1 + 16)     ctx->fd
                "7982200000000000", //  6 r2 = *(u64 *)(r8 + 32)     file->f_inode
                "15020d0000000000", //  7 if r2 == 0 goto +13
                "6923000000000000", //  8 r3 = *(u16 *)(r2 + 0)      inode->i_mode
                "5703000000f00000", //  9 r3 &= 0xf000               S_IFMT
                "55030a0000c00000", // 10 if r3 != 0xc000 goto +10   S_IFSOCK
                "7923400000000000", // 11 r3 = *(u64 *)(r2 + 64)     inode->i_ino
                "7b3af8ff00000000", // 12 *(u64 *)(r10 - 8) = r3
                "6173f40400000000", // 13 r3 = *(u32 *)(r7 + 0x4f4)  task->tgid
                "633af0ff00000000", // 14 *(u32 *)(r10 - 16) = r3
                "639af4ff00000000", // 15 *(u32 *)(r10 - 12) = r9
                "7961000000000000", // 16 r1 = *(u64 *)(r6 + 0)      meta->seq
                "bfa2000000000000", // 17 r2 = r10
                "07020000f0ffffff", // 18 r2 += -16
                "b703000010000000", // 19 r3 = 16
                "850000007f000000", // 20 call bpf_seq_write
                "b700000000000000", // 21 r0 = 0
                "9500000000000000"); // 22 exit
        assertThat(HexFormat.of().formatHex(SocketFileProgram.instructions(LINUX_6_18)))
                .isEqualTo(expected);
    }

    @Test
    void aJumpToALabelNeverBoundFailsTheBuild() {
        BpfAssembler a =
                new BpfAssembler().jumpIfEqual(1, 0, new BpfAssembler.Label()).exit();
        assertThatThrownBy(a::assemble).hasMessage("jump at instruction 0 to a label never bound");
    }

    @Test
    void anOffsetBeyondSixteenBitsIsRefused() {
        assertThatThrownBy(() -> new BpfAssembler().load(BpfAssembler.BPF_DW, 1, 2, 40_000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("off 40000");
    }

    @Test
    void verifierLogIsCutToItsLastLines() {
        StringBuilder log = new StringBuilder();
        for (int i = 1; i <= 20; i++) {
            log.append("line ").append(i).append('\n');
        }
        assertThat(BpfSyscall.lastLines(log + "\n"))
                .startsWith("line 9 | line 10")
                .endsWith("line 20");
    }

    @Test
    void knowsTheBpfSyscallNumberOfItsTwoArchitecturesOnly() {
        assertThat(BpfSyscall.sysBpf("amd64")).isEqualTo(321);
        assertThat(BpfSyscall.sysBpf("aarch64")).isEqualTo(280);
        assertThat(BpfSyscall.sysBpf("riscv64")).isEqualTo(-1);
    }
}
