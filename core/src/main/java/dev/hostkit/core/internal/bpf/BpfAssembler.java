package dev.hostkit.core.internal.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An assembler of the few eBPF instructions the socket-owner program uses ({@code Documentation/bpf/standardization/
 * instruction-set.rst}): loads, stores, 64-bit moves/adds/ands, conditional jumps to labels, helper calls, exit.
 * Emits the kernel's 8-byte encoding in little-endian order; a jump to an unbound label fails the build.
 */
final class BpfAssembler {
    // Instruction classes, sizes, modes and operations, as linux/bpf_common.h and linux/bpf.h name them.
    static final int BPF_LDX = 0x01;
    static final int BPF_STX = 0x03;
    static final int BPF_JMP = 0x05;
    static final int BPF_ALU64 = 0x07;
    static final int BPF_W = 0x00;
    static final int BPF_H = 0x08;
    static final int BPF_DW = 0x18;
    static final int BPF_MEM = 0x60;
    static final int BPF_K = 0x00;
    static final int BPF_X = 0x08;
    static final int BPF_ADD = 0x00;
    static final int BPF_AND = 0x50;
    static final int BPF_MOV = 0xb0;
    static final int BPF_JEQ = 0x10;
    static final int BPF_JNE = 0x50;
    static final int BPF_CALL = 0x80;
    static final int BPF_EXIT = 0x90;
    /** The frame pointer (read-only); r1-r5 are helper arguments, r0 the return value, r6-r9 callee-saved. */
    static final int R10 = 10;

    /** A jump target; bound to the next instruction emitted after {@link #bind}. */
    static final class Label {
        private int at = -1;
    }

    private record Fixup(int insn, Label target) {}

    private final List<long[]> insns = new ArrayList<>(); // {opcode, dst, src, off, imm}
    private final List<Fixup> fixups = new ArrayList<>();

    /** {@code dst = *(size *)(src + off)}. */
    BpfAssembler load(int size, int dst, int src, int off) {
        return emit(BPF_LDX | BPF_MEM | size, dst, src, off, 0);
    }

    /** {@code *(size *)(dst + off) = src}. */
    BpfAssembler store(int size, int dst, int off, int src) {
        return emit(BPF_STX | BPF_MEM | size, dst, src, off, 0);
    }

    /** {@code dst = imm} (64-bit, sign-extended). */
    BpfAssembler movImm(int dst, int imm) {
        return emit(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm);
    }

    /** {@code dst = src} (64-bit). */
    BpfAssembler movReg(int dst, int src) {
        return emit(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0);
    }

    /** {@code dst += imm} (64-bit). */
    BpfAssembler addImm(int dst, int imm) {
        return emit(BPF_ALU64 | BPF_ADD | BPF_K, dst, 0, 0, imm);
    }

    /** {@code dst &= imm} (64-bit). */
    BpfAssembler andImm(int dst, int imm) {
        return emit(BPF_ALU64 | BPF_AND | BPF_K, dst, 0, 0, imm);
    }

    /** {@code if dst == imm goto target}. */
    BpfAssembler jumpIfEqual(int dst, int imm, Label target) {
        fixups.add(new Fixup(insns.size(), target));
        return emit(BPF_JMP | BPF_JEQ | BPF_K, dst, 0, 0, imm);
    }

    /** {@code if dst != imm goto target}. */
    BpfAssembler jumpIfNotEqual(int dst, int imm, Label target) {
        fixups.add(new Fixup(insns.size(), target));
        return emit(BPF_JMP | BPF_JNE | BPF_K, dst, 0, 0, imm);
    }

    /** Calls kernel helper number {@code helper} (enum bpf_func_id) with r1-r5; the result is in r0. */
    BpfAssembler call(int helper) {
        return emit(BPF_JMP | BPF_CALL, 0, 0, 0, helper);
    }

    /** Returns r0. */
    BpfAssembler exit() {
        return emit(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    }

    /** Binds {@code label} to the next instruction. */
    BpfAssembler bind(Label label) {
        if (label.at >= 0) {
            throw new IllegalStateException("label bound twice");
        }
        label.at = insns.size();
        return this;
    }

    private BpfAssembler emit(int opcode, int dst, int src, int off, int imm) {
        if (dst < 0 || dst > R10 || src < 0 || src > R10 || off != (short) off) {
            throw new IllegalArgumentException(
                    "bad operands: opcode 0x" + Integer.toHexString(opcode) + " r" + dst + " r" + src + " off " + off);
        }
        insns.add(new long[] {opcode, dst, src, off, imm});
        return this;
    }

    /** The program: 8 bytes per instruction (opcode, dst | src << 4, off, imm), little-endian. */
    byte[] assemble() {
        List<long[]> resolved = new ArrayList<>(insns.size());
        for (long[] insn : insns) {
            resolved.add(Arrays.copyOf(insn, insn.length));
        }
        for (Fixup f : fixups) {
            if (f.target.at < 0) {
                throw new IllegalStateException("jump at instruction " + f.insn + " to a label never bound");
            }
            int off = f.target.at - (f.insn + 1); // relative to the next instruction
            resolved.get(f.insn)[3] = off;
        }
        ByteBuffer out = ByteBuffer.allocate(resolved.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long[] i : resolved) {
            out.put((byte) i[0]);
            out.put((byte) (i[1] | (i[2] << 4)));
            out.putShort((short) i[3]);
            out.putInt((int) i[4]);
        }
        return out.array();
    }
}
