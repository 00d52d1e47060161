package dev.hostkit.guard;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The guardian's {@link GuardianStatus} file: its JSON form, and whether the guardian that wrote it still runs. Liveness
 * is the flock on the directory's lock file as {@code /proc/locks} lists it, not a heartbeat: an idle guardian writes
 * nothing, and a dead one holds no lock (the kernel drops it with the process).
 */
final class StatusFile {
    static final int VERSION = 1;
    /** Far above any real status (a missing interface is about 120 bytes): a bigger file is not the guardian's. */
    static final int MAX_BYTES = 4 << 20;

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(
                    StreamReadConstraints.builder().maxNestingDepth(4).build())
            .build();

    private StatusFile() {}

    static Optional<GuardianStatus> ofRunningGuardian(Path dir, Path procLocks) throws IOException {
        Path file = dir.resolve(GuardianStatus.FILE);
        if (!lockHeld(dir.resolve(StateDirectory.LOCK_FILE), procLocks)) {
            return Optional.empty();
        }
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return Optional.empty(); // the guardian has not finished its first pass
        }
        if (!a.isRegularFile() || a.size() > MAX_BYTES) {
            throw new IOException(file + ": not a regular file of at most " + MAX_BYTES + " bytes");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty(); // removed since: the guardian stopped
        }
        return Optional.of(decode(bytes, file));
    }

    /**
     * Whether some process holds a flock on {@code lockFile} now. {@code /proc/locks} lists every lock of the host
     * (a holder outside the reader's pid namespace shows pid 0), by device and inode: {@code "1: FLOCK  ADVISORY
     * WRITE 1234 00:2c:5678 0 EOF"}; a waiter's line has {@code ->} after the number and does not count. Where a
     * file's stat device is not its superblock's (a btrfs subvolume) no line matches and the answer is "not held": the
     * caller then looks for itself, the safe side.
     */
    static boolean lockHeld(Path lockFile, Path procLocks) throws IOException {
        long dev;
        long ino;
        try {
            dev = (Long) Files.getAttribute(lockFile, "unix:dev", LinkOption.NOFOLLOW_LINKS);
            ino = (Long) Files.getAttribute(lockFile, "unix:ino", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return false; // no guardian ever claimed the directory
        }
        String wanted = String.format("%02x:%02x:%d", major(dev), minor(dev), ino);
        for (String line : Files.readAllLines(procLocks)) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 6 && f[1].equals("FLOCK") && f[5].equals(wanted)) {
                return true;
            }
        }
        return false;
    }

    // glibc's encoding of dev_t (gnu_dev_major/minor).
    static long major(long dev) {
        return ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
    }

    static long minor(long dev) {
        return (dev & 0xff) | ((dev >>> 12) & ~0xffL);
    }

    static byte[] encode(GuardianStatus s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("version", VERSION);
            g.writeNumberField("pid", s.pid());
            g.writeNumberField("guarded", s.guarded());
            g.writeArrayFieldStart("missing");
            for (GuardianStatus.Missing m : s.missing()) {
                g.writeStartObject();
                g.writeStringField("interface", m.name());
                g.writeNumberField("namespaceInode", m.namespaceInode());
                g.writeNumberField("namespacePid", m.namespacePid());
                g.writeStringField("parent", m.parent());
                g.writeBooleanField("waitsForParent", m.waitsForParent());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the guardian's status", e); // in memory: no I/O
        }
        out.write('\n');
        return out.toByteArray();
    }

    /** Parses a status file; unknown fields are skipped (a newer guardian may say more), missing ones refused. */
    static GuardianStatus decode(byte[] bytes, Path file) throws IOException {
        try (JsonParser p = JSON.createParser(bytes)) {
            expect(p, JsonToken.START_OBJECT, file);
            Long version = null;
            Long pid = null;
            Long guarded = null;
            List<GuardianStatus.Missing> missing = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "version" -> version = number(p, t, file);
                    case "pid" -> pid = number(p, t, file);
                    case "guarded" -> guarded = number(p, t, file);
                    case "missing" -> missing = missing(p, t, file);
                    default -> p.skipChildren();
                }
            }
            if (version == null || version != VERSION) {
                throw bad(file, "field \"version\": " + (version == null ? "missing" : "unsupported " + version));
            }
            if (pid == null || guarded == null || missing == null) {
                throw bad(file, "fields \"pid\", \"guarded\" and \"missing\" are required");
            }
            if (p.nextToken() != null) {
                throw bad(file, "more content after the document");
            }
            return new GuardianStatus(pid, (int) Math.min(Integer.MAX_VALUE, guarded), missing);
        } catch (JsonProcessingException e) {
            throw bad(file, "not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static List<GuardianStatus.Missing> missing(JsonParser p, JsonToken t, Path file) throws IOException {
        if (t != JsonToken.START_ARRAY) {
            throw bad(file, "field \"missing\" must be an array");
        }
        List<GuardianStatus.Missing> out = new ArrayList<>();
        while (p.nextToken() == JsonToken.START_OBJECT) {
            String iface = null;
            String parent = null;
            Long inode = null;
            long nsPid = 0;
            Boolean waits = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "interface" -> iface = text(p, v, file);
                    case "parent" -> parent = text(p, v, file);
                    case "namespaceInode" -> inode = number(p, v, file);
                    case "namespacePid" -> nsPid = number(p, v, file);
                    case "waitsForParent" -> {
                        if (!v.isBoolean()) {
                            throw bad(file, "field \"waitsForParent\" must be true or false");
                        }
                        waits = v == JsonToken.VALUE_TRUE;
                    }
                    default -> p.skipChildren();
                }
            }
            if (iface == null || parent == null || inode == null || waits == null) {
                throw bad(
                        file,
                        "a missing interface needs \"interface\", \"namespaceInode\", \"parent\" and "
                                + "\"waitsForParent\"");
            }
            out.add(new GuardianStatus.Missing(iface, inode, nsPid, parent, waits));
        }
        if (p.currentToken() != JsonToken.END_ARRAY) {
            throw bad(file, "field \"missing\" must hold objects");
        }
        return out;
    }

    private static void expect(JsonParser p, JsonToken want, Path file) throws IOException {
        if (p.nextToken() != want) {
            throw bad(file, "the document is not a JSON object");
        }
    }

    private static long number(JsonParser p, JsonToken t, Path file) throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw bad(file, "field \"" + p.currentName() + "\" must be a whole number");
        }
        return p.getLongValue();
    }

    private static String text(JsonParser p, JsonToken t, Path file) throws IOException {
        if (t != JsonToken.VALUE_STRING) {
            throw bad(file, "field \"" + p.currentName() + "\" must be a string");
        }
        return p.getText();
    }

    private static IOException bad(Path file, String why) {
        return new IOException("guardian status " + file + ": " + why);
    }
}
