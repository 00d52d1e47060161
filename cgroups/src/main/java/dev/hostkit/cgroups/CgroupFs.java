package dev.hostkit.cgroups;

import dev.hostkit.cgroups.internal.CgroupGone;
import dev.hostkit.cgroups.internal.KernelFiles;
import dev.hostkit.core.Errno;
import dev.hostkit.core.KernelVersion;
import dev.hostkit.core.MountInfo;
import dev.hostkit.core.ProcFs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import static dev.hostkit.cgroups.internal.MemcgFiles.CGROUP_CONTROLLERS;
import static dev.hostkit.cgroups.internal.MemcgFiles.PROC_CGROUPS;

/**
 * The cgroup mounts of a host (or of a fixture tree under a root), found in its mount table (see {@link #at}):
 * the layout (v1, v2, hybrid), the memory hierarchy, the kernel and its command line. Immutable snapshot.
 */
public final class CgroupFs {
    private final Path root;
    private final ProcFs proc;
    private final Path mountinfo;
    private final CgroupLayout layout;
    private final MountInfo memoryV1;
    private final MountInfo unified;
    private final boolean memoryOnUnified;

    private CgroupFs(
            Path root,
            ProcFs proc,
            Path mountinfo,
            CgroupLayout layout,
            MountInfo memoryV1,
            MountInfo unified,
            boolean memoryOnUnified) {
        this.root = root;
        this.proc = proc;
        this.mountinfo = mountinfo;
        this.layout = layout;
        this.memoryV1 = memoryV1;
        this.unified = unified;
        this.memoryOnUnified = memoryOnUnified;
    }

    /** The live host's cgroups, as this process sees them. */
    public static CgroupFs system() {
        return at(Path.of("/"));
    }

    /**
     * The cgroups of a tree laid out like a host below {@code root}, mount points resolved under {@code root}. The
     * mount table is {@code /proc/self/mountinfo} when {@code root} is {@code /}; under any other root (the host's
     * {@code /} mounted into a container, as node-problem-detector runs hostkit with {@code HOSTKIT_ROOT=/host}) it
     * is the host's init's, {@code root/proc/1/mountinfo}: {@code proc/self} there is this process, whose table is
     * the container's. A tree without {@code proc/1} (a fixture) falls back to {@code root/proc/self/mountinfo}.
     *
     * @param root {@code /}, where the host's {@code /} is mounted, or a fixture directory
     * @return the discovered mounts
     * @throws CgroupException naming mountinfo when it cannot be read or lists no cgroup mount
     */
    public static CgroupFs at(Path root) {
        ProcFs proc = ProcFs.at(root);
        boolean init = readsInitsTable(root, proc);
        Path mountinfo = proc.proc().resolve(init ? INIT_PID + "/mountinfo" : "self/mountinfo");
        List<MountInfo> mounts;
        try {
            mounts = init ? proc.mountInfo(INIT_PID) : proc.mountInfo();
        } catch (UncheckedIOException e) {
            throw new CgroupException(
                    mountinfo,
                    KernelFiles.errnoOf(e.getCause()),
                    "cannot read the mount table (is " + root + " a host root?)",
                    e);
        } catch (IllegalArgumentException e) {
            throw new CgroupException(mountinfo, null, e.getMessage(), e);
        }
        MountInfo memory = null;
        MountInfo v2 = null;
        boolean anyV1 = false;
        for (MountInfo m : mounts) {
            if (m.fsType().equals("cgroup")) {
                anyV1 = true;
                // Prefer the mount that shows the whole hierarchy (root "/") over bind mounts of a subtree.
                if (m.hasSuperOption("memory")
                        && (memory == null
                                || (!memory.root().equals("/") && m.root().equals("/")))) {
                    memory = m;
                }
            } else if (m.fsType().equals("cgroup2") && v2 == null) {
                v2 = m;
            }
        }
        if (!anyV1 && v2 == null) {
            throw new CgroupException(
                    mountinfo,
                    null,
                    "no cgroup or cgroup2 mount under " + root + ": not a cgroup host (or the wrong --root)",
                    null);
        }
        checkMountPoint(mountinfo, memory);
        checkMountPoint(mountinfo, v2);
        CgroupLayout layout = !anyV1 ? CgroupLayout.V2 : v2 == null ? CgroupLayout.V1 : CgroupLayout.HYBRID;
        boolean memoryOnUnified = false;
        if (v2 != null && memory == null) {
            // Absent means no memory controller; unreadable (EACCES) is an error, not "no memory hierarchy".
            String controllers = readOrNull(under(root, v2.mountPoint()), CGROUP_CONTROLLERS);
            memoryOnUnified = controllers != null
                    && List.of(controllers.strip().split("\\s+")).contains("memory");
        }
        return new CgroupFs(root, proc, mountinfo, layout, memory, v2, memoryOnUnified);
    }

    private static final int INIT_PID = 1;

    // Files.exists, not isReadable: an init table that exists but cannot be read is an error, never "use self".
    private static boolean readsInitsTable(Path root, ProcFs proc) {
        return root.getNameCount() > 0
                && Files.exists(proc.proc().resolve(INIT_PID + "/mountinfo"), LinkOption.NOFOLLOW_LINKS);
    }

    private static String readOrNull(Path dir, String name) {
        try {
            return KernelFiles.read(dir, name);
        } catch (CgroupGone e) {
            return null;
        }
    }

    // The kernel prints canonical absolute mount points; anything else (a fixture's "/../../../../etc") would
    // resolve outside the root and is refused as garbage.
    private static void checkMountPoint(Path mountinfo, MountInfo m) {
        if (m != null && !canonical(m.mountPoint())) {
            throw new CgroupException(
                    mountinfo,
                    null,
                    "the " + m.fsType() + " mount point '" + m.mountPoint()
                            + "' is not a canonical absolute path (it could lead outside the root): refused",
                    null);
        }
    }

    private static boolean canonical(String p) {
        if (!p.startsWith("/") || p.indexOf('\0') >= 0) {
            return false;
        }
        for (String seg : p.substring(1).split("/", -1)) {
            if (seg.equals(".") || seg.equals("..") || (seg.isEmpty() && p.length() > 1)) {
                return false;
            }
        }
        return true;
    }

    static Path under(Path root, String absolute) {
        Path p = root.resolve(absolute.startsWith("/") ? absolute.substring(1) : absolute)
                .normalize();
        if (!p.startsWith(root.normalize())) {
            throw new IllegalArgumentException("'" + absolute + "' leads outside " + root);
        }
        return p;
    }

    /** The root everything resolves under ({@code /} on a live host). */
    public Path root() {
        return root;
    }

    /** The {@code /proc} reader under the same root. */
    public ProcFs proc() {
        return proc;
    }

    /** v1, v2 or hybrid. */
    public CgroupLayout layout() {
        return layout;
    }

    /** The directory of the v1 memory hierarchy, if one is mounted. */
    public Optional<Path> memoryV1Mount() {
        return Optional.ofNullable(memoryV1).map(m -> under(root, m.mountPoint()));
    }

    /** The directory of the cgroup2 mount, if any. */
    public Optional<Path> unifiedMount() {
        return Optional.ofNullable(unified).map(m -> under(root, m.mountPoint()));
    }

    /** True when the memory controller lives in the unified (v2) tree rather than a v1 hierarchy. */
    public boolean memoryIsV2() {
        return memoryV1 == null && memoryOnUnified;
    }

    /** True when the memory mount shows a subtree only (inside a container's cgroup namespace or a bind mount). */
    public boolean memoryMountIsSubtree() {
        MountInfo m = memoryV1 != null ? memoryV1 : unified;
        return m != null && !m.root().equals("/");
    }

    /**
     * The directory of the memory hierarchy's root: the v1 memory mount, else the cgroup2 mount when it has the
     * memory controller.
     *
     * @throws CgroupException naming mountinfo when no memory controller is mounted
     */
    public Path memoryRoot() {
        if (memoryV1 != null) {
            return under(root, memoryV1.mountPoint());
        }
        if (memoryOnUnified) {
            return under(root, unified.mountPoint());
        }
        throw new CgroupException(
                mountinfo,
                null,
                "no memory controller is mounted (no v1 memory hierarchy, cgroup2 without memory)",
                null);
    }

    /**
     * The memory cgroup at {@code path} in the memory hierarchy.
     *
     * @param path e.g. {@code /kubepods/burstable}; {@code /} for the root
     * @return the handle (the directory may not exist)
     */
    public MemoryCgroup memoryCgroup(String path) {
        Path dir = path.equals("/") || path.isEmpty()
                ? memoryRoot()
                : memoryRoot().resolve(path.startsWith("/") ? path.substring(1) : path);
        String p = path.isEmpty() ? "/" : path.startsWith("/") ? path : "/" + path;
        return new MemoryCgroup(dir, p, memoryIsV2());
    }

    /**
     * The memory cgroup of process {@code pid}, from {@code proc/PID/cgroup}.
     *
     * @param pid a process id
     * @return its memory cgroup, empty when the process is gone or has none
     * @throws CgroupException naming the file when it exists but cannot be read (EACCES: not "gone")
     */
    public Optional<MemoryCgroup> memoryCgroupOf(int pid) {
        Path file = proc.proc().resolve(Integer.toString(pid)).resolve("cgroup");
        String text;
        try {
            text = ProcFs.readKernelFile(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            // ESRCH: the process exited between open and read.
            Errno errno = KernelFiles.errnoOf(e);
            if (errno == Errno.ESRCH) {
                return Optional.empty();
            }
            throw new CgroupException(file, errno, errno == null ? String.valueOf(e.getMessage()) : "", e);
        }
        for (String line : text.split("\n")) {
            String[] f = line.split(":", 3);
            if (f.length < 3) {
                continue;
            }
            boolean match = memoryIsV2()
                    ? f[0].equals("0") && f[1].isEmpty()
                    : List.of(f[1].split(",")).contains("memory");
            if (match) {
                return Optional.of(memoryCgroup(f[2]));
            }
        }
        return Optional.empty();
    }

    /** The running kernel, or {@code null} when {@code proc/sys/kernel/osrelease} is unreadable. */
    public KernelVersion kernel() {
        try {
            return proc.kernelVersion();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * The kernel command line; empty when {@code proc/cmdline} does not exist.
     *
     * @throws CgroupException naming the file when it exists but cannot be read
     */
    public String cmdline() {
        try {
            return proc.cmdline();
        } catch (UncheckedIOException e) {
            throw new CgroupException(proc.proc().resolve("cmdline"), KernelFiles.errnoOf(e.getCause()), "", e);
        }
    }

    /**
     * {@code num_cgroups} of the memory row of {@code proc/cgroups}: live plus dying cgroups of the v1 memory
     * hierarchy. Empty when the file or the row is missing or memory is not on a v1 hierarchy.
     *
     * @throws CgroupException when the file exists but cannot be read
     * @throws CgroupParseException when the row is garbage (a negative or non-numeric count)
     */
    public OptionalLong procCgroupsMemoryCount() {
        Path file = proc.proc().resolve(PROC_CGROUPS);
        String text;
        try {
            text = ProcFs.readKernelFile(file);
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (IOException e) {
            Errno errno = KernelFiles.errnoOf(e);
            throw new CgroupException(file, errno, errno == null ? String.valueOf(e.getMessage()) : "", e);
        }
        for (String line : text.split("\n")) {
            if (line.startsWith("memory\t") || line.startsWith("memory ")) {
                String[] f = line.strip().split("\\s+");
                if (f.length < 4) {
                    throw new CgroupParseException(file, line, "'memory HIERARCHY NUM_CGROUPS ENABLED'");
                }
                try {
                    int hierarchy = Integer.parseInt(f[1]);
                    long count = Long.parseLong(f[2]);
                    if (hierarchy < 0 || count < 0) {
                        throw new CgroupParseException(
                                file, line, "'memory HIERARCHY NUM_CGROUPS ENABLED' with counts of 0 or more");
                    }
                    return hierarchy == 0 ? OptionalLong.empty() : OptionalLong.of(count);
                } catch (NumberFormatException e) {
                    throw new CgroupParseException(file, line, "'memory HIERARCHY NUM_CGROUPS ENABLED'");
                }
            }
        }
        return OptionalLong.empty();
    }

    @Override
    public String toString() {
        return "cgroups (" + layout.label() + ") under " + root;
    }
}
