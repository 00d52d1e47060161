package dev.hostkit.core.internal.bpf;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BtfTest {
    /** A tiny BTF blob written by hand, laid out as btf.rst describes: header, type section, string section. */
    static final class Blob {
        private final ByteArrayOutputStream strings = new ByteArrayOutputStream();
        private final ByteBuffer types = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        private int nextId = 1;

        Blob() {
            strings.write(0); // offset 0: the empty name
        }

        int name(String s) {
            if (s.isEmpty()) {
                return 0;
            }
            int off = strings.size();
            strings.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
            strings.write(0);
            return off;
        }

        private int type(String name, int kind, int vlen, boolean kindFlag, int sizeOrType) {
            types.putInt(name(name));
            types.putInt((kindFlag ? 1 << 31 : 0) | (kind << 24) | vlen);
            types.putInt(sizeOrType);
            return nextId++;
        }

        int integer(String name, int bytes) {
            int id = type(name, 1, 0, false, bytes);
            types.putInt(bytes * 8); // encoding 0, offset 0, bits
            return id;
        }

        int pointer(int to) {
            return type("", 2, 0, false, to);
        }

        int typedef(String name, int to) {
            return type(name, 8, 0, false, to);
        }

        int forward(String name) {
            return type(name, 7, 0, false, 0);
        }

        /** members: {name, typeId, bitOffset} triples; a bitfield as {name, type, bitOffset | bits << 24}. */
        int struct(String name, int kind, int size, boolean kindFlag, Object... members) {
            int id = type(name, kind, members.length / 3, kindFlag, size);
            for (int i = 0; i < members.length; i += 3) {
                types.putInt(name((String) members[i]));
                types.putInt((Integer) members[i + 1]);
                types.putInt((Integer) members[i + 2]);
            }
            return id;
        }

        int funcProto(int ret, int... params) {
            int id = type("", 13, params.length, false, ret);
            for (int p : params) {
                types.putInt(0);
                types.putInt(p);
            }
            return id;
        }

        int func(String name, int proto) {
            return type(name, 12, 1, false, proto); // vlen: linkage global
        }

        ByteBuffer bytes() {
            byte[] s = strings.toByteArray();
            int typeLen = types.position();
            ByteBuffer b = ByteBuffer.allocate(24 + typeLen + s.length).order(ByteOrder.LITTLE_ENDIAN);
            b.putShort((short) 0xeb9f).put((byte) 1).put((byte) 0);
            b.putInt(24).putInt(0).putInt(typeLen).putInt(typeLen).putInt(s.length);
            b.put(types.array(), 0, typeLen).put(s);
            return b.flip();
        }
    }

    /** A kernel-shaped blob: the context struct with __bpf_md_ptr unions, anonymous members, typedefs, bitfields. */
    static Blob kernelLike(boolean withFunc, int inoBytes) {
        Blob b = new Blob();
        int u16 = b.integer("unsigned short", 2);
        int u32 = b.integer("unsigned int", 4);
        int i32 = b.integer("int", 4);
        int ulong = b.integer("unsigned long", inoBytes);
        int u64 = b.integer("long long unsigned int", 8);
        int umode = b.typedef("umode_t", u16);
        int pid = b.typedef("pid_t", i32);
        int seqFile = b.forward("seq_file");
        int seqPtr = b.pointer(seqFile);
        // struct bpf_iter_meta { union { struct seq_file *seq; __u64 :64; }; __u64 session_id; __u64 seq_num; }
        int seqUnion = b.struct("", 5, 8, true, "seq", seqPtr, 0, "", u64, 64 << 24);
        int meta = b.struct("bpf_iter_meta", 4, 24, false, "", seqUnion, 0, "session_id", u64, 64, "seq_num", u64, 128);
        int metaPtr = b.pointer(meta);
        // A decoy of the same name without members is skipped; so is a struct named like a prefix.
        b.struct("task", 4, 8, false, "tgid", i32, 0);
        int task = b.struct(
                "task_struct",
                4,
                2048,
                true,
                "flags",
                u32,
                0,
                "in_execve",
                u32,
                32 | (1 << 24),
                "pid",
                pid,
                9984,
                "tgid",
                pid,
                10016);
        int taskPtr = b.pointer(task);
        int inode = b.struct("inode", 4, 600, false, "i_mode", umode, 0, "i_opflags", u16, 16, "i_ino", ulong, 512);
        int inodePtr = b.pointer(inode);
        // struct file { ...; struct { struct inode *f_inode; } (anonymous, nested at 32) }
        int inner = b.struct("", 4, 8, false, "f_inode", inodePtr, 0);
        int file = b.struct("file", 4, 232, false, "f_count", u64, 0, "", inner, 256);
        int filePtr = b.pointer(file);
        int taskUnion = b.struct("", 5, 8, false, "task", taskPtr, 0, "", u64, 0);
        int metaUnion = b.struct("", 5, 8, false, "meta", metaPtr, 0);
        int fileUnion = b.struct("", 5, 8, false, "file", filePtr, 0);
        int ctx = b.struct(
                "bpf_iter__task_file",
                4,
                32,
                false,
                "",
                metaUnion,
                0,
                "",
                taskUnion,
                64,
                "fd",
                u32,
                128,
                "",
                fileUnion,
                192);
        int proto = b.funcProto(i32, metaPtr, taskPtr, u32, filePtr);
        if (withFunc) {
            b.func("bpf_iter_task_file", proto);
        }
        assertThat(ctx).isPositive();
        return b;
    }

    @Test
    void findsTheAttachFunctionAndMemberOffsetsThroughAnonymousMembersAndTypedefs() {
        Blob blob = kernelLike(true, 8);
        TaskFileLayout layout = Btf.layout(blob.bytes(), "fixture");
        assertThat(layout)
                .isEqualTo(new TaskFileLayout(
                        blob.nextId - 1, // the FUNC is the last type
                        0,
                        8,
                        16,
                        24,
                        0,
                        10016 / 8,
                        32,
                        64,
                        0));
    }

    @Test
    void readsTheRunningKernelsBtfWhenItHasOne() throws Exception {
        if (!Files.isReadable(Btf.VMLINUX)) {
            return; // a kernel without CONFIG_DEBUG_INFO_BTF: nothing to read
        }
        TaskFileLayout layout = Btf.readLayout(Btf.VMLINUX);
        assertThat(layout.attachBtfId()).isPositive();
        assertThat(List.of(layout.ctxMeta(), layout.ctxTask(), layout.ctxFd(), layout.ctxFile()))
                .containsExactly(0, 8, 16, 24);
        assertThat(layout.taskTgid()).isPositive();
        // Mapped (6.16+) or read, the same numbers.
        assertThat(Btf.layout(ByteBuffer.wrap(Files.readAllBytes(Btf.VMLINUX)), "copy"))
                .isEqualTo(layout);
    }

    @Test
    void namesTheFileAndWhatIsMissing() {
        assertThatThrownBy(() -> Btf.layout(kernelLike(false, 8).bytes(), "/sys/kernel/btf/vmlinux"))
                .isInstanceOf(BtfException.class)
                .hasMessage("BTF /sys/kernel/btf/vmlinux: no FUNC bpf_iter_task_file (the task_file iterator needs"
                        + " Linux 5.8+)");
    }

    @Test
    void refusesAMemberOfAnotherSize() {
        assertThatThrownBy(() -> Btf.layout(kernelLike(true, 4).bytes(), "fixture"))
                .isInstanceOf(BtfException.class)
                .hasMessage("BTF fixture: struct inode member i_ino is 4 bytes, expected 8");
    }

    @Test
    void refusesTruncatedOrForeignBlobsWithOneLine() {
        ByteBuffer good = kernelLike(true, 8).bytes();
        List<ByteBuffer> bad = new ArrayList<>();
        bad.add(ByteBuffer.wrap(new byte[10]));
        ByteBuffer cut = good.duplicate();
        cut.limit(good.limit() - 40);
        bad.add(cut);
        ByteBuffer swapped = ByteBuffer.allocate(good.limit());
        swapped.put(good.duplicate()).flip();
        swapped.put(0, (byte) 0xeb).put(1, (byte) 0x9f);
        bad.add(swapped);
        assertThat(bad)
                .extracting(b -> {
                    try {
                        Btf.layout(b, "x");
                        return "accepted";
                    } catch (BtfException e) {
                        return e.getMessage();
                    }
                })
                .containsExactly(
                        "BTF x: only 10 bytes, shorter than a header",
                        "BTF x: header (hdr_len 24, types 0+" + (good.getInt(12)) + ", strings " + good.getInt(16) + "+"
                                + good.getInt(20) + ") does not fit in " + (good.limit() - 40) + " bytes",
                        "BTF x: big-endian BTF (this reader handles little-endian kernels only)");
    }

    @Test
    void aStructWhoseMembersRunPastTheEndOrPointNowhereIsRefused() {
        Blob pastEnd = new Blob();
        pastEnd.struct("inode", 4, 8, false, "i_mode", 1, 0);
        ByteBuffer b = pastEnd.bytes();
        b.putInt(24 + 4, (4 << 24) | 0xffff); // vlen 65,535: far more members than bytes
        assertThatThrownBy(() -> Btf.layout(b, "x")).hasMessage("BTF x: type 1 runs past the end of the type section");

        Blob nowhere = kernelLike(true, 8);
        int bogus = nowhere.struct("", 5, 8, false, "x", 4242, 0);
        nowhere.struct("bpf_iter__task_file", 4, 32, false, "", bogus, 0); // a second, complete one: ignored
        assertThat(Btf.layout(nowhere.bytes(), "x").ctxTask()).isEqualTo(8);

        Blob dangling = new Blob();
        int u32 = dangling.integer("unsigned int", 4);
        dangling.struct("bpf_iter__task_file", 4, 32, false, "meta", 4242, 0, "fd", u32, 128);
        for (String name : new String[] {"bpf_iter_meta", "task_struct", "file", "inode"}) {
            dangling.struct(name, 4, 8, false, "x", u32, 0);
        }
        dangling.func("bpf_iter_task_file", 0);
        assertThatThrownBy(() -> Btf.layout(dangling.bytes(), "x"))
                .isInstanceOf(BtfException.class)
                .hasMessage("BTF x: type id 4242 is out of range (1..7)");
    }

    @Test
    void aMissingFileIsABtfErrorNamingIt() {
        Path nowhere = Path.of("/nonexistent/hk-btf");
        assertThatThrownBy(() -> Btf.readLayout(nowhere))
                .isInstanceOf(BtfException.class)
                .hasMessageStartingWith("BTF /nonexistent/hk-btf: cannot read");
    }
}
