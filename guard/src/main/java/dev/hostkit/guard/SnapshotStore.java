package dev.hostkit.guard;

import dev.hostkit.core.AtomicFiles;
import dev.hostkit.core.NetNamespace.NsId;
import dev.hostkit.guard.SnapshotCodec.BadStateException;
import dev.hostkit.guard.SnapshotCodec.Decoded;
import dev.hostkit.guard.SnapshotCodec.NamespaceState;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;

/**
 * The guardian's state directory: one JSON file per namespace ({@code netns-DEVICE-INODE.json}), written atomically
 * with mode 0600 through {@link AtomicFiles}, in a directory the guardian owns and holds locked ({@link StateDirectory}).
 * Loading reports every file or interface it refuses, with the field, and carries on with the others; a file for the
 * reader's own network namespace is always refused, so no state file can make the guardian act on the host.
 */
final class SnapshotStore implements AutoCloseable {
    static final String PREFIX = "netns-";
    static final String SUFFIX = ".json";
    /** A state file is a few KiB; anything far larger is not ours. */
    static final long MAX_FILE_BYTES = 1 << 20;

    private final Path dir;
    /** The network namespace this store was opened in (the guardian's own, the host's): never acted on. */
    private final NsId ownNamespace;
    /** The guardian's lock on the directory; null for a reader. */
    private final StateDirectory claim;
    /**
     * A fingerprint of each namespace's file as this store last read or wrote it: a state whose encoding has the same
     * fingerprint is on disk already and is not written again.
     */
    private final Map<NsId, Fingerprint> onDisk = new ConcurrentHashMap<>();

    /**
     * Length, CRC-32C and array hash of a file's bytes: 96 bits, not a cryptographic digest. A collision would only
     * skip one rewrite (the file keeps the state before, until the next change); SHA-256 would load the JDK's security
     * providers (some 60 classes) into the daemon for this alone.
     */
    record Fingerprint(int length, int crc, int hash) {
        static Fingerprint of(byte[] bytes) {
            CRC32C crc = new CRC32C();
            crc.update(bytes);
            return new Fingerprint(bytes.length, (int) crc.getValue(), Arrays.hashCode(bytes));
        }

        // Written out: a record's generated equals links through method handles on first use (see NsId).
        @Override
        public boolean equals(Object o) {
            return o instanceof Fingerprint f && f.length == length && f.crc == crc && f.hash == hash;
        }

        @Override
        public int hashCode() {
            return (length * 31 + crc) * 31 + hash;
        }
    }

    /** What loading found: the states that parsed, and the files and interfaces refused. */
    record Loaded(List<NamespaceState> states, List<StateFileProblem> problems) {}

    /**
     * The guardian's own store: checks the directory, creates it 0700 if missing, and locks it (see {@link StateDirectory}).
     *
     * @throws StateDirectoryException when the directory is refused or another guardian holds it
     */
    SnapshotStore(Path dir) throws IOException {
        this.ownNamespace = currentNamespace();
        this.claim = StateDirectory.claim(dir);
        this.dir = claim.path();
    }

    private SnapshotStore(Path dir, NsId ownNamespace) {
        this.dir = dir;
        this.ownNamespace = ownNamespace;
        this.claim = null;
    }

    /**
     * A store for reading only, beside a running guardian: nothing is created, chmod-ed, locked or removed (a temp file
     * may be that guardian's write in flight), and writing is refused.
     */
    static SnapshotStore reader(Path dir) throws IOException {
        return new SnapshotStore(StateDirectory.checkReadable(dir), currentNamespace());
    }

    /**
     * The calling thread's namespace, by a stat that follows the proc link to nsfs: no fd and no JNA, so a reader in a
     * fresh process (the node-problem-detector plugin) does not pay native start-up for it.
     */
    private static NsId currentNamespace() throws IOException {
        Path self = Path.of("/proc/thread-self/ns/net");
        NsId id = NamespaceSource.stat(self);
        if (id == null) {
            throw new NoSuchFileException(self.toString(), null, "no network namespace file for this thread");
        }
        return id;
    }

    /** Releases the guardian's lock on the directory (nothing for a reader). */
    @Override
    public void close() {
        if (claim != null) {
            claim.close();
        }
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
                if (claim == null) {
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
                byte[] bytes = readBytes(f);
                Decoded d = decode(bytes);
                NamespaceState st = d.state();
                NsId id = st.namespace().id();
                if (!f.equals(fileOf(id))) {
                    problems.add(new StateFileProblem(
                            f,
                            "holds namespace " + id + ", which belongs in "
                                    + fileOf(id).getFileName()));
                    continue;
                }
                if (id.equals(ownNamespace)) {
                    // By identity, not path: "/proc/self/ns/net" or any path may lead here. The cookie is not
                    // needed: a live namespace's inode is not reused, and a file naming this inode with another
                    // cookie is stale anyway.
                    problems.add(new StateFileProblem(
                            f,
                            "field \"namespace\": " + id + " is the guardian's own network namespace "
                                    + "(the host's); the guardian never acts on it"));
                    continue;
                }
                for (String r : d.refused()) {
                    problems.add(new StateFileProblem(f, r));
                }
                if (claim != null) {
                    onDisk.put(id, Fingerprint.of(bytes));
                }
                if (!st.interfaces().isEmpty()) {
                    states.add(st);
                }
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

    private static byte[] readBytes(Path f) throws IOException, BadStateException {
        // Throws NoSuchFileException when the file went since the listing (the caller skips it).
        BasicFileAttributes attrs = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!attrs.isRegularFile()) {
            throw new BadStateException("not a regular file", null);
        }
        long size = attrs.size();
        if (size > MAX_FILE_BYTES) {
            throw new BadStateException(
                    "file of " + size + " bytes is larger than the limit of " + MAX_FILE_BYTES, null);
        }
        return Files.readAllBytes(f);
    }

    private static Decoded decode(byte[] bytes) throws BadStateException {
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new BadStateException("not UTF-8 text", e);
        }
        return SnapshotCodec.decode(text);
    }

    /** Writes one namespace's state atomically and durably; an empty interface list removes the file. */
    void write(NamespaceState state) throws IOException {
        NsId id = state.namespace().id();
        IOException failed = writeAll(List.of(new Change(id, state))).get(id);
        if (failed != null) {
            throw failed;
        }
    }

    /** Removes a namespace's file (its snapshots were dropped). */
    void delete(NsId id) throws IOException {
        IOException failed = writeAll(List.of(new Change(id, null))).get(id);
        if (failed != null) {
            throw failed;
        }
    }

    /** One namespace's part of a batch: its new state, or the removal of its file when the state is null or empty. */
    record Change(NsId id, NamespaceState state) {}

    /**
     * Writes and removes many namespaces' files as one batch ({@link AtomicFiles#writeAll}: each file whole, one
     * directory fsync for all). A state whose file already holds exactly its encoding is not written again.
     *
     * @return the namespaces whose change failed, with why; empty when every change is on disk
     */
    Map<NsId, IOException> writeAll(List<Change> changes) {
        requireWritable();
        Map<Path, byte[]> files = new LinkedHashMap<>();
        Map<Path, NsId> ids = new LinkedHashMap<>();
        Map<NsId, Fingerprint> written = new LinkedHashMap<>();
        for (Change c : changes) {
            Path f = fileOf(c.id());
            if (c.state() == null || c.state().interfaces().isEmpty()) {
                onDisk.remove(c.id());
                files.put(f, null);
            } else {
                byte[] bytes = encoded(c.state());
                Fingerprint print = Fingerprint.of(bytes);
                if (print.equals(onDisk.get(c.id()))) {
                    continue; // the file holds this already (a repair puts back what was there)
                }
                // Forgotten until the write is done: a failed write must not leave a fingerprint of what is not there.
                onDisk.remove(c.id());
                files.put(f, bytes);
                written.put(c.id(), print);
            }
            ids.put(f, c.id());
        }
        if (files.isEmpty()) {
            return Map.of();
        }
        Map<NsId, IOException> failed = new LinkedHashMap<>();
        AtomicFiles.writeAll(dir, files, AtomicFiles.OWNER_ONLY).forEach((f, e) -> failed.put(ids.get(f), e));
        written.forEach((id, print) -> {
            if (!failed.containsKey(id)) {
                onDisk.put(id, print);
            }
        });
        return failed;
    }

    private static byte[] encoded(NamespaceState state) {
        return SnapshotCodec.encode(state).getBytes(StandardCharsets.UTF_8);
    }

    private void requireWritable() {
        if (claim == null) {
            throw new IllegalStateException("state directory " + dir + " was opened for reading only");
        }
    }
}
