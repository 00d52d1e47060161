package dev.hostkit.guard;

import dev.hostkit.core.NetNamespace.NsId;
import dev.hostkit.guard.SnapshotCodec.BadStateException;
import dev.hostkit.guard.SnapshotCodec.NamespaceState;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The guardian's state directory: one JSON file per namespace ({@code netns-DEVICE-INODE.json}), written atomically
 * (temp file, fsync, rename, directory fsync) with mode 0600 in a 0700 directory. Loading reports every file that
 * cannot be read or parsed and carries on with the others.
 */
final class SnapshotStore {
    static final String PREFIX = "netns-";
    static final String SUFFIX = ".json";
    /** A state file is a few KiB; anything far larger is not ours. */
    static final long MAX_FILE_BYTES = 1 << 20;
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");

    private final Path dir;

    /** What loading found: the states that parsed, and the files that did not. */
    record Loaded(List<NamespaceState> states, List<StateFileProblem> problems) {
    }

    private final boolean readOnly;

    /** The guardian's own store: creates the directory if missing and makes it 0700. */
    SnapshotStore(Path dir) throws IOException {
        this(dir, false);
    }

    private SnapshotStore(Path dir, boolean readOnly) throws IOException {
        this.dir = dir.toAbsolutePath();
        this.readOnly = readOnly;
        if (Files.isSymbolicLink(this.dir)) {
            throw new IOException("state directory " + this.dir + " is a symbolic link; refusing it");
        }
        if (!readOnly && !Files.exists(this.dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(this.dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
        }
        if (!Files.isDirectory(this.dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("state directory " + this.dir + (Files.exists(this.dir, LinkOption.NOFOLLOW_LINKS)
                    ? " is not a directory" : " does not exist"));
        }
        if (!readOnly) {
            // The umask may have widened (or an operator may have made) the directory: snapshots name other tenants' addresses.
            Files.setPosixFilePermissions(this.dir, DIR_MODE);
        }
    }

    /**
     * A store for reading only, beside a running guardian: nothing is created, chmod-ed or removed (a temp file
     * may be that guardian's write in flight), and writing is refused.
     */
    static SnapshotStore reader(Path dir) throws IOException {
        return new SnapshotStore(dir, true);
    }

    Path dir() {
        return dir;
    }

    Path fileOf(NsId id) {
        return dir.resolve(PREFIX + id.device() + "-" + id.inode() + SUFFIX);
    }

    /** Reads every state file; leftovers of interrupted writes are removed. Never throws for a bad file. */
    Loaded load() {
        List<NamespaceState> states = new ArrayList<>();
        List<StateFileProblem> problems = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            entries.forEach(files::add);
        } catch (IOException e) {
            problems.add(new StateFileProblem(dir, "cannot list: " + e));
            return new Loaded(states, problems);
        }
        files.sort(null);
        for (Path f : files) {
            String name = f.getFileName().toString();
            if (name.startsWith("." + PREFIX) && name.endsWith(".tmp")) {
                if (readOnly) {
                    continue; // a running guardian's write in flight, or one that died: the guardian's to clean up
                }
                // A write that died before its rename: the previous file (if any) is still whole.
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    problems.add(new StateFileProblem(f, "cannot remove an interrupted write: " + e));
                }
                continue;
            }
            if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX)) {
                continue;
            }
            try {
                NamespaceState st = read(f);
                if (!f.equals(fileOf(st.namespace().id()))) {
                    problems.add(new StateFileProblem(f, "holds namespace " + st.namespace().id() + ", which belongs in " + fileOf(st.namespace().id()).getFileName()));
                    continue;
                }
                states.add(st);
            } catch (NoSuchFileException e) {
                // Removed since the listing: a running guardian dropped that namespace's snapshots.
            } catch (IOException e) {
                problems.add(new StateFileProblem(f, "cannot read: " + e));
            } catch (BadStateException e) {
                problems.add(new StateFileProblem(f, e.getMessage()));
            }
        }
        return new Loaded(states, problems);
    }

    private static NamespaceState read(Path f) throws IOException, BadStateException {
        // Throws NoSuchFileException when the file went since the listing (the caller skips it).
        BasicFileAttributes attrs = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!attrs.isRegularFile()) {
            throw new BadStateException("not a regular file", null);
        }
        long size = attrs.size();
        if (size > MAX_FILE_BYTES) {
            throw new BadStateException("file of " + size + " bytes is larger than the limit of " + MAX_FILE_BYTES, null);
        }
        byte[] bytes = Files.readAllBytes(f);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new BadStateException("not UTF-8 text", e);
        }
        return SnapshotCodec.decode(text);
    }

    /** Writes one namespace's state atomically; an empty interface list removes the file. */
    void write(NamespaceState state) throws IOException {
        requireWritable();
        Path target = fileOf(state.namespace().id());
        if (state.interfaces().isEmpty()) {
            delete(state.namespace().id());
            return;
        }
        byte[] bytes = SnapshotCodec.encode(state).getBytes(StandardCharsets.UTF_8);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp", PosixFilePermissions.asFileAttribute(FILE_MODE));
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDirectory();
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Removes a namespace's file (its snapshots were dropped). */
    void delete(NsId id) throws IOException {
        requireWritable();
        if (Files.deleteIfExists(fileOf(id))) {
            syncDirectory();
        }
    }

    private void requireWritable() {
        if (readOnly) {
            throw new IllegalStateException("state directory " + dir + " was opened for reading only");
        }
    }

    // The rename is durable only once the directory entry is on disk.
    private void syncDirectory() {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
        }
    }
}
