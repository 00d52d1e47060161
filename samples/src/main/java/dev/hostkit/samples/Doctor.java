package dev.hostkit.samples;

import dev.hostkit.core.KernelVersion;
import dev.hostkit.core.NativeException;
import dev.hostkit.core.NetNamespace;
import dev.hostkit.core.ProcFs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code hostkit doctor}: what the host looks like, with no configuration. Says what it cannot see
 * (not root, missing files) and goes on. Exit status 0 healthy, 1 warnings, 2 critical.
 */
final class Doctor {
    private Doctor() {
    }

    static int run(String[] args) {
        boolean json = Arrays.asList(args).contains("--json");
        Map<String, Object> report = new LinkedHashMap<>();
        KernelVersion kernel = KernelVersion.current();
        report.put("kernel", kernel.release());
        report.put("root", isRoot());

        Set<NetNamespace.NsId> namespaces = new HashSet<>();
        int unreadable = 0;
        for (int pid : ProcFs.system().pids()) {
            try {
                namespaces.add(NetNamespace.idOf(Path.of("/proc/" + pid + "/ns/net")));
            } catch (NativeException e) {
                unreadable++; // process gone, or not ours to open without root
            }
        }
        report.put("networkNamespaces", namespaces.size());
        report.put("processesNotInspected", unreadable);
        report.put("hostkitOpenFds", ProcFs.openFdCount());
        report.put("systemFileHandles", ProcFs.system().readLong("sys/fs/file-nr").orElse(-1));

        if (json) {
            StringBuilder b = new StringBuilder("{");
            report.forEach((k, v) -> b.append(b.length() > 1 ? "," : "").append('"').append(k).append("\":")
                    .append(v instanceof String s ? '"' + s.replace("\"", "\\\"") + '"' : v));
            System.out.println(b.append('}'));
        } else {
            System.out.println("hostkit doctor");
            report.forEach((k, v) -> System.out.printf("  %-22s %s%n", k, v));
            if (unreadable > 0 && !isRoot()) {
                System.out.println("  note: not root: " + unreadable + " processes' namespaces could not be inspected");
            }
        }
        return 0;
    }

    private static boolean isRoot() {
        try {
            return Files.readString(Path.of("/proc/self/status")).lines()
                    .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[1].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }
}
