package dev.hostkit.netlink;

import dev.hostkit.core.ProcFs;
import dev.hostkit.netlink.internal.UnixDiagParser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.hostkit.netlink.internal.SockDiagConstants.SO_ACCEPTCON;
import static dev.hostkit.netlink.internal.SockDiagConstants.SS_CONNECTED;

/**
 * The fallback for kernels without {@code unix_diag}: the unix sockets of the reader's network namespace from
 * {@code /proc/net/unix}. The file has no peers, queues, uids or file identities: those fields are 0 or -1.
 */
public final class ProcNetUnix {
    private ProcNetUnix() {}

    /**
     * Reads {@code proc/net/unix} under {@code proc}.
     *
     * @throws UncheckedIOException naming the file when it cannot be read
     * @throws IllegalArgumentException naming the file and line when a line does not parse
     */
    public static List<UnixSocket> read(ProcFs proc) {
        Path file = proc.proc().resolve("net/unix");
        String text;
        try {
            text = ProcFs.readKernelFile(file);
        } catch (IOException e) {
            throw new UncheckedIOException("read " + file, e);
        }
        List<UnixSocket> out = new ArrayList<>();
        String[] lines = text.split("\n");
        for (int i = 1; i < lines.length; i++) { // line 0 is the header
            if (!lines[i].isBlank()) {
                try {
                    out.add(parse(lines[i]));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(file + " line " + (i + 1) + ": " + e.getMessage(), e);
                }
            }
        }
        return out;
    }

    /**
     * Parses one line: {@code Num: RefCount Protocol Flags Type St Inode [Path]} (hex except the inode; the path is
     * the rest of the line and may hold spaces).
     */
    static UnixSocket parse(String line) {
        String[] f = line.strip().split("\\s+", 8);
        if (f.length < 7 || !f[0].endsWith(":")) {
            throw new IllegalArgumentException(
                    "expected 'Num: RefCount Protocol Flags Type St Inode [Path]', got '" + line + "'");
        }
        try {
            int flags = Integer.parseUnsignedInt(f[3], 16);
            int type = Integer.parseInt(f[4], 16);
            int st = Integer.parseInt(f[5], 16);
            long inode = Long.parseLong(f[6]);
            UnixSocket.State state = (flags & SO_ACCEPTCON) != 0
                    ? UnixSocket.State.LISTEN
                    : st == SS_CONNECTED ? UnixSocket.State.ESTABLISHED : UnixSocket.State.CLOSE;
            String name = f.length == 8 ? f[7] : "";
            return new UnixSocket(inode, UnixDiagParser.type(type, 0), state, name, 0, 0, 0, 0, 0, -1, List.of());
        } catch (NumberFormatException | NetlinkParseException e) {
            throw new IllegalArgumentException("bad number in '" + line + "': " + e.getMessage(), e);
        }
    }
}
