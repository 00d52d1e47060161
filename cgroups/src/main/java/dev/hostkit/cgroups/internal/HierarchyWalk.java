package dev.hostkit.cgroups.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Lists every cgroup directory of a hierarchy, fast. A cgroup directory's link count is 2 plus its
 * sub-directories (kernfs keeps it so, like ext4 and tmpfs), so leaves - nearly all cgroups - are never
 * listed; only entries that are not the controller's own files are stat'ed.
 */
public final class HierarchyWalk {
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;

    /**
     * One cgroup directory found by the walk.
     *
     * @param dir the directory
     * @param path its path in the hierarchy, {@code /} for the root
     * @param leaf true when it has no child cgroups
     */
    public record Entry(Path dir, String path, boolean leaf) {}

    private HierarchyWalk() {}

    /**
     * Every cgroup directory under {@code root}, the root first, parents before children. Directories
     * removed during the walk are left out; an unlistable directory is reported to {@code problems}.
     */
    public static List<Entry> walk(Path root, List<String> problems) {
        List<Entry> out = new ArrayList<>(1024);
        int rootLinks = links(root);
        visit(root, "/", rootLinks, out, problems);
        return out;
    }

    private static void visit(Path dir, String path, int links, List<Entry> out, List<String> problems) {
        // links == 2: no sub-directories. links < 2: a filesystem that does not count them (btrfs): list.
        boolean leaf = links == 2;
        out.add(new Entry(dir, path, leaf));
        if (leaf) {
            return;
        }
        int expectSubdirs = links > 2 ? links - 2 : Integer.MAX_VALUE;
        int found = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path child : entries) {
                String name = child.getFileName().toString();
                if (MemcgFiles.isControlFile(name)) {
                    continue;
                }
                int childLinks = dirLinks(child);
                if (childLinks < 0) {
                    continue;
                }
                found++;
                visit(child, path.equals("/") ? "/" + name : path + "/" + name, childLinks, out, problems);
                if (found >= expectSubdirs && expectSubdirs != Integer.MAX_VALUE) {
                    // Every sub-directory was seen; the rest are files with names we do not know.
                    break;
                }
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            // Removed while we walked: skip.
        } catch (IOException | java.io.UncheckedIOException e) {
            problems.add("cannot list " + dir + ": " + e.getMessage());
        }
    }

    // Link count of a directory, or -1 for a non-directory or a vanished entry.
    private static int dirLinks(Path p) {
        try {
            Map<String, Object> a = Files.readAttributes(p, "unix:mode,nlink", LinkOption.NOFOLLOW_LINKS);
            if ((((Integer) a.get("mode")) & S_IFMT) != S_IFDIR) {
                return -1;
            }
            return (Integer) a.get("nlink");
        } catch (IOException e) {
            return -1;
        }
    }

    private static int links(Path dir) {
        int n = dirLinks(dir);
        return n < 0 ? 0 : n;
    }
}
