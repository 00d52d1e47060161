package dev.hostkit.core.internal.bpf;

import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import dev.hostkit.core.internal.LibC;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A reader of kernel BTF ({@code Documentation/bpf/btf.rst}) that finds only what the socket-owner iterator needs:
 * one FUNC id and a few struct member offsets, as a {@link TaskFileLayout}. Nothing of the blob is kept.
 */
public final class Btf {
    /** Where the running kernel publishes its own BTF (CONFIG_DEBUG_INFO_BTF). */
    public static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");

    private static final int BTF_MAGIC = 0xeB9F;
    private static final int HEADER_MIN = 24; // magic, version, flags, hdr_len, type_off/len, str_off/len
    // BTF_KIND_* (include/uapi/linux/btf.h).
    private static final int BTF_KIND_INT = 1;
    private static final int BTF_KIND_PTR = 2;
    private static final int BTF_KIND_ARRAY = 3;
    private static final int BTF_KIND_STRUCT = 4;
    private static final int BTF_KIND_UNION = 5;
    private static final int BTF_KIND_ENUM = 6;
    private static final int BTF_KIND_FWD = 7;
    private static final int BTF_KIND_TYPEDEF = 8;
    private static final int BTF_KIND_VOLATILE = 9;
    private static final int BTF_KIND_CONST = 10;
    private static final int BTF_KIND_RESTRICT = 11;
    private static final int BTF_KIND_FUNC = 12;
    private static final int BTF_KIND_FUNC_PROTO = 13;
    private static final int BTF_KIND_VAR = 14;
    private static final int BTF_KIND_DATASEC = 15;
    private static final int BTF_KIND_FLOAT = 16;
    private static final int BTF_KIND_DECL_TAG = 17;
    private static final int BTF_KIND_TYPE_TAG = 18;
    private static final int BTF_KIND_ENUM64 = 19;
    private static final int TYPE_HEADER = 12; // struct btf_type: name_off, info, size/type
    private static final int MEMBER = 12; // struct btf_member: name_off, type, offset

    // The named types looked for, in this order in `found`.
    private static final String[] NAMES = {
        "bpf_iter_task_file", "bpf_iter__task_file", "bpf_iter_meta", "task_struct", "file", "inode"
    };
    private static final int FUNC_ITER = 0;
    private static final int CTX = 1;
    private static final int META = 2;
    private static final int TASK = 3;
    private static final int FILE = 4;
    private static final int INODE = 5;

    private final String source;
    private final ByteBuffer types;
    private final ByteBuffer strings;
    private int[] offsets = new int[1 << 16]; // type id -> its offset in `types` (id 0 is void)
    private int count;
    private final int[] found = new int[NAMES.length];
    private final byte[][] nameBytes = new byte[NAMES.length][];

    private Btf(String source, ByteBuffer types, ByteBuffer strings) {
        this.source = source;
        this.types = types;
        this.strings = strings;
        for (int i = 0; i < NAMES.length; i++) {
            nameBytes[i] = NAMES[i].getBytes(StandardCharsets.US_ASCII);
        }
    }

    /**
     * Finds the iterator's layout in {@code file}: mapped read-only where the kernel allows it (sysfs BTF since Linux
     * 6.16: no copy, nothing read but the pages looked at), else read whole; released when this returns.
     */
    public static TaskFileLayout readLayout(Path file) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new BtfException(
                    file.toString(), "cannot read (" + e + "); the kernel needs CONFIG_DEBUG_INFO_BTF", e);
        }
        TaskFileLayout mapped = mapped(file, size);
        if (mapped != null) {
            return mapped;
        }
        byte[] blob;
        try {
            blob = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new BtfException(file.toString(), "cannot read (" + e + ")", e);
        }
        return layout(ByteBuffer.wrap(blob), file.toString());
    }

    // The layout from a private read-only mapping of `file`; null when it cannot be mapped (older kernels: EACCES).
    private static TaskFileLayout mapped(Path file, long size) {
        if (size <= 0 || size > Integer.MAX_VALUE) {
            return null;
        }
        int fd;
        Pointer map;
        try {
            fd = LibC.open(file.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            return null;
        }
        try {
            map = LibC.mmap(null, size, LibC.PROT_READ, LibC.MAP_PRIVATE, fd, 0);
        } catch (LastErrorException e) {
            return null;
        } finally {
            LibC.closeQuietly(fd); // the mapping stays valid without it
        }
        try {
            return layout(map.getByteBuffer(0, size), file.toString());
        } finally {
            try {
                LibC.munmap(map, size); // nothing refers to the mapping any more: layout() keeps numbers only
            } catch (LastErrorException ignored) {
                // cannot fail for a mapping we made; nothing to undo either way
            }
        }
    }

    /** The iterator's layout from a BTF blob; {@code source} names it in errors. */
    public static TaskFileLayout layout(ByteBuffer blob, String source) {
        ByteBuffer b = blob.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < HEADER_MIN) {
            throw new BtfException(source, "only " + b.remaining() + " bytes, shorter than a header");
        }
        int base = b.position();
        int magic = Short.toUnsignedInt(b.getShort(base));
        if (magic != BTF_MAGIC) {
            String why = magic == Short.toUnsignedInt(Short.reverseBytes((short) BTF_MAGIC))
                    ? "big-endian BTF (this reader handles little-endian kernels only)"
                    : String.format("magic 0x%04x is not 0xeb9f", magic);
            throw new BtfException(source, why);
        }
        int version = b.get(base + 2) & 0xff;
        if (version != 1) {
            throw new BtfException(source, "version " + version + " (known: 1)");
        }
        long hdrLen = Integer.toUnsignedLong(b.getInt(base + 4));
        long typeOff = Integer.toUnsignedLong(b.getInt(base + 8));
        long typeLen = Integer.toUnsignedLong(b.getInt(base + 12));
        long strOff = Integer.toUnsignedLong(b.getInt(base + 16));
        long strLen = Integer.toUnsignedLong(b.getInt(base + 20));
        long size = b.remaining();
        if (hdrLen < HEADER_MIN || hdrLen + typeOff + typeLen > size || hdrLen + strOff + strLen > size) {
            throw new BtfException(
                    source,
                    "header (hdr_len " + hdrLen + ", types " + typeOff + "+" + typeLen + ", strings " + strOff + "+"
                            + strLen + ") does not fit in " + size + " bytes");
        }
        ByteBuffer types = slice(b, base + hdrLen + typeOff, typeLen);
        ByteBuffer strings = slice(b, base + hdrLen + strOff, strLen);
        Btf btf = new Btf(source, types, strings);
        btf.index();
        return btf.layout();
    }

    private static ByteBuffer slice(ByteBuffer b, long from, long len) {
        ByteBuffer s = b.duplicate();
        s.limit((int) (from + len)).position((int) from);
        return s.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    // One pass over the type section: every type's offset by id, and the ids of the named types looked for.
    private void index() {
        int off = 0;
        int end = types.limit();
        while (off < end) {
            if (off + TYPE_HEADER > end) {
                throw new BtfException(source, "type " + (count + 1) + " is cut off at byte " + off);
            }
            int info = types.getInt(off + 4);
            int kind = (info >>> 24) & 0x1f;
            int vlen = info & 0xffff;
            if (count + 1 == offsets.length) {
                offsets = Arrays.copyOf(offsets, offsets.length * 2);
            }
            offsets[++count] = off;
            if (kind == BTF_KIND_FUNC || ((kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION) && vlen > 0)) {
                note(kind, types.getInt(off), count);
            }
            long next = (long) off + TYPE_HEADER + extra(kind, vlen, count);
            if (next > end) {
                throw new BtfException(source, "type " + count + " runs past the end of the type section");
            }
            off = (int) next;
        }
    }

    // Bytes that follow struct btf_type for this kind.
    private int extra(int kind, int vlen, int id) {
        return switch (kind) {
            case BTF_KIND_INT, BTF_KIND_VAR, BTF_KIND_DECL_TAG -> 4;
            case BTF_KIND_ARRAY -> 12;
            case BTF_KIND_STRUCT, BTF_KIND_UNION -> vlen * MEMBER;
            case BTF_KIND_ENUM, BTF_KIND_FUNC_PROTO -> vlen * 8;
            case BTF_KIND_DATASEC, BTF_KIND_ENUM64 -> vlen * 12;
            case BTF_KIND_PTR,
                    BTF_KIND_FWD,
                    BTF_KIND_TYPEDEF,
                    BTF_KIND_VOLATILE,
                    BTF_KIND_CONST,
                    BTF_KIND_RESTRICT,
                    BTF_KIND_FUNC,
                    BTF_KIND_FLOAT,
                    BTF_KIND_TYPE_TAG -> 0;
            default -> throw new BtfException(source, "type " + id + " has unknown kind " + kind);
        };
    }

    private void note(int kind, int nameOff, int id) {
        for (int i = 0; i < NAMES.length; i++) {
            if (found[i] == 0 && (i == FUNC_ITER) == (kind == BTF_KIND_FUNC) && nameIs(nameOff, nameBytes[i])) {
                found[i] = id;
                return;
            }
        }
    }

    private boolean nameIs(int nameOff, byte[] name) {
        if (nameOff < 0 || nameOff + name.length >= strings.limit()) {
            return false;
        }
        for (int i = 0; i < name.length; i++) {
            if (strings.get(nameOff + i) != name[i]) {
                return false;
            }
        }
        return strings.get(nameOff + name.length) == 0;
    }

    private TaskFileLayout layout() {
        int func = required(FUNC_ITER, "FUNC");
        int ctx = required(CTX, "struct");
        int meta = required(META, "struct");
        int task = required(TASK, "struct");
        int file = required(FILE, "struct");
        int inode = required(INODE, "struct");
        return new TaskFileLayout(
                func,
                member(ctx, "meta", 8),
                member(ctx, "task", 8),
                member(ctx, "fd", 4),
                member(ctx, "file", 8),
                member(meta, "seq", 8),
                member(task, "tgid", 4),
                member(file, "f_inode", 8),
                member(inode, "i_ino", 8),
                member(inode, "i_mode", 2));
    }

    private int required(int which, String kind) {
        if (found[which] == 0) {
            String hint = which == FUNC_ITER || which == CTX ? " (the task_file iterator needs Linux 5.8+)" : "";
            throw new BtfException(source, "no " + kind + " " + NAMES[which] + hint);
        }
        return found[which];
    }

    /** Byte offset of member {@code name} of struct {@code id}, looking into anonymous members; its size checked. */
    private int member(int id, String name, int size) {
        int at = find(id, name.getBytes(StandardCharsets.US_ASCII), 0, 0);
        if (at < 0) {
            throw new BtfException(source, "struct " + nameOf(id) + " has no member " + name);
        }
        int actual = sizeOf(foundMemberType);
        if (actual != size) {
            throw new BtfException(
                    source, "struct " + nameOf(id) + " member " + name + " is " + actual + " bytes, expected " + size);
        }
        return at;
    }

    // Set by find(): the type id of the member found.
    private int foundMemberType;

    // Byte offset of `name` in struct/union `id` plus `base`; -1 when absent. Anonymous members are searched too.
    private int find(int id, byte[] name, int base, int depth) {
        if (depth > 8) {
            return -1;
        }
        int off = typeOffset(id);
        int info = types.getInt(off + 4);
        int kind = (info >>> 24) & 0x1f;
        if (kind != BTF_KIND_STRUCT && kind != BTF_KIND_UNION) {
            return -1;
        }
        boolean bitfields = (info >>> 31) != 0;
        int vlen = info & 0xffff;
        for (int i = 0; i < vlen; i++) {
            int m = off + TYPE_HEADER + i * MEMBER;
            int nameOff = types.getInt(m);
            int type = types.getInt(m + 4);
            int bitOffset = types.getInt(m + 8);
            if (bitfields) {
                if ((bitOffset >>> 24) != 0) {
                    continue; // a bitfield: never one of the members looked for
                }
                bitOffset &= 0xff_ffff;
            }
            if (bitOffset % 8 != 0) {
                continue;
            }
            if (nameOff == 0) {
                int inner = find(resolve(type), name, base + bitOffset / 8, depth + 1);
                if (inner >= 0) {
                    return inner;
                }
            } else if (nameIs(nameOff, name)) {
                foundMemberType = type;
                return base + bitOffset / 8;
            }
        }
        return -1;
    }

    // Follows typedefs and qualifiers to the type they name.
    private int resolve(int id) {
        for (int hops = 0; hops < 32 && id != 0; hops++) {
            int off = typeOffset(id);
            int kind = (types.getInt(off + 4) >>> 24) & 0x1f;
            if (kind != BTF_KIND_TYPEDEF
                    && kind != BTF_KIND_VOLATILE
                    && kind != BTF_KIND_CONST
                    && kind != BTF_KIND_RESTRICT
                    && kind != BTF_KIND_TYPE_TAG) {
                return id;
            }
            id = types.getInt(off + 8);
        }
        throw new BtfException(source, "type " + id + " is a chain of typedefs or qualifiers that does not end");
    }

    // Size in bytes of type `id` as a loaded value (pointers are 8: this reader serves 64-bit kernels only).
    private int sizeOf(int id) {
        int resolved = resolve(id);
        if (resolved == 0) {
            return 0;
        }
        int off = typeOffset(resolved);
        int kind = (types.getInt(off + 4) >>> 24) & 0x1f;
        return switch (kind) {
            case BTF_KIND_PTR -> 8;
            case BTF_KIND_INT, BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_STRUCT, BTF_KIND_UNION, BTF_KIND_FLOAT ->
                types.getInt(off + 8);
            default -> -1;
        };
    }

    private int typeOffset(int id) {
        if (id <= 0 || id > count) {
            throw new BtfException(source, "type id " + id + " is out of range (1.." + count + ")");
        }
        return offsets[id];
    }

    private String nameOf(int id) {
        int nameOff = types.getInt(typeOffset(id));
        StringBuilder s = new StringBuilder();
        for (int i = nameOff; i >= 0 && i < strings.limit() && strings.get(i) != 0 && s.length() < 128; i++) {
            s.append((char) (strings.get(i) & 0xff));
        }
        return s.toString();
    }
}
