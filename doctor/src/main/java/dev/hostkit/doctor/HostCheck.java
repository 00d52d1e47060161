package dev.hostkit.doctor;

import dev.hostkit.core.KernelVersion;
import dev.hostkit.core.NetNamespace;
import dev.hostkit.core.ProcFs;
import dev.hostkit.doctor.DoctorReport.Severity;
import dev.hostkit.guard.NamespaceSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** Kernel, privileges, network namespaces, file handles. */
final class HostCheck implements Doctor.Check {
    @Override
    public String area() {
        return "host";
    }

    @Override
    public void run(DoctorReport report) {
        Map<String, Object> host = report.section("host");
        KernelVersion kernel = KernelVersion.current();
        host.put("kernel", kernel.release());
        boolean root = Doctor.isRoot();
        host.put("root", root);
        Set<NetNamespace.NsId> namespaces = new HashSet<>();
        int unreadable = 0;
        for (int pid : ProcFs.system().pids()) {
            // stat, not open: the identity is the nsfs inode, and stat costs no fd
            NetNamespace.NsId id = NamespaceSource.statId(Path.of("/proc/" + pid + "/ns/net"));
            if (id == null) {
                unreadable++; // the process exited, or its namespace is not ours to look at
            } else {
                namespaces.add(id);
            }
        }
        host.put("networkNamespaces", namespaces.size());
        host.put("hostkitOpenFds", ProcFs.openFdCount());
        report.metric(
                "hostkit_network_namespaces", "Distinct network namespaces of running processes.", namespaces.size());
        if (!root && unreadable > 0) {
            report.cannotSee(
                    "network namespaces", "not root: " + unreadable + " processes' namespaces could not be opened");
        }
        fileHandles(report, host);
    }

    private static void fileHandles(DoctorReport report, Map<String, Object> host) {
        try {
            String[] f = ProcFs.readKernelFile(Path.of("/proc/sys/fs/file-nr"))
                    .trim()
                    .split("\\s+");
            long allocated = Long.parseLong(f[0]);
            long max = Long.parseLong(f[2]);
            host.put("fileHandles", allocated + " of " + max);
            report.metric(
                    "hostkit_file_handles_allocated", "System-wide allocated file handles (fs.file-nr).", allocated);
            if (max > 0 && allocated > max * 0.9) {
                report.finding(
                        Severity.CRITICAL,
                        "host",
                        "file handles nearly exhausted: " + allocated + " of " + max,
                        "find the process leaking fds (ls /proc/*/fd | wc -l per process) and restart it; raise fs.file-max only as a stopgap");
            } else if (max > 0 && allocated > max * 0.7) {
                report.finding(
                        Severity.WARN,
                        "host",
                        "file handles above 70%: " + allocated + " of " + max,
                        "look for a process whose fd count keeps growing (a leaking agent)");
            }
        } catch (IOException | RuntimeException e) {
            report.cannotSee("file handles", "/proc/sys/fs/file-nr: " + e.getMessage());
        }
    }
}
