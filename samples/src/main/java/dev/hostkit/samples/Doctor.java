package dev.hostkit.samples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.hostkit.cgroups.CgroupOwner;
import dev.hostkit.cgroups.OrphanCgroup;
import dev.hostkit.core.KernelVersion;
import dev.hostkit.core.NetNamespace;
import dev.hostkit.core.ProcFs;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.LinkKind;
import dev.hostkit.netlink.RtNetlink;
import dev.hostkit.netlink.guard.NamespaceSource;
import dev.hostkit.samples.DoctorReport.Severity;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

/**
 * {@code hostkit doctor [--json] [--metrics-file FILE] [--state-dir DIR]}: one command, no configuration,
 * on any Linux host. Each check adds facts and findings; a check that cannot look (not root, no Docker
 * socket, no v1 memory controller) says so and the doctor goes on. Exit status 0 healthy, 1 warnings,
 * 2 critical.
 */
final class Doctor {
    /** One area of the report; a check that throws is reported as a blind spot, never a crash. */
    interface Check {
        String area();

        void run(DoctorReport report) throws Exception;
    }

    private Doctor() {
    }

    static int run(String[] args) {
        boolean json = false;
        Path metricsFile = null;
        Path stateDir = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--json" -> json = true;
                case "--metrics-file" -> metricsFile = Path.of(value(args, ++i, "--metrics-file"));
                case "--state-dir" -> stateDir = Path.of(value(args, ++i, "--state-dir"));
                default -> {
                    System.err.println("hostkit doctor: unknown option '" + args[i] + "'");
                    return 64;
                }
            }
        }
        DoctorReport report = examine(checks(stateDir));
        if (json) {
            System.out.println(toJson(report));
        } else {
            printText(report);
        }
        if (metricsFile != null) {
            try {
                AtomicFiles.write(metricsFile, PrometheusText.of(report.metrics()));
            } catch (IOException e) {
                System.err.println("hostkit doctor: cannot write metrics file " + metricsFile + ": " + e.getMessage());
                return 2;
            }
        }
        return report.exitStatus();
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    static List<Check> checks(Path stateDir) {
        List<Check> checks = new ArrayList<>();
        LinkDumps dumps = new LinkDumps();
        checks.add(new HostCheck());
        checks.add(new MacvlanCheck(NamespaceSource.hostDefault(), dumps));
        checks.add(new CgroupsCheck());
        checks.add(new DockerCheck());
        if (stateDir != null) {
            checks.add(new GuardianStateCheck(stateDir, NamespaceSource.hostDefault(), dumps));
        }
        return checks;
    }

    /**
     * Runs the checks at once, each on its own thread into its own report (they wait on different things: the kernel,
     * cgroupfs, the Docker socket), and merges the reports in the checks' order, so the output does not depend on timing.
     */
    static DoctorReport examine(List<Check> checks) {
        List<DoctorReport> parts = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (Check check : checks) {
            DoctorReport part = new DoctorReport();
            parts.add(part);
            Thread t = new Thread(() -> runCheck(check, part), "hostkit-doctor-" + check.area());
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        DoctorReport report = new DoctorReport();
        for (int i = 0; i < checks.size(); i++) {
            try {
                threads.get(i).join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                report.cannotSee(checks.get(i).area(), "interrupted");
                continue;
            }
            report.addAll(parts.get(i));
        }
        Severity worst = report.worst();
        report.metric("hostkit_doctor_status", "Worst finding: 0 ok, 1 warn, 2 critical.", worst.exitStatus());
        for (Severity s : Severity.values()) {
            long n = report.findings().stream().filter(f -> f.severity() == s).count();
            report.metric("hostkit_doctor_findings", "Findings by severity.", "severity=\"" + s.label() + "\"", n);
        }
        report.metric("hostkit_doctor_blind_spots", "Areas the doctor could not inspect.", report.cannotSee().size());
        return report;
    }

    private static void runCheck(Check check, DoctorReport part) {
        try {
            check.run(part);
        } catch (Exception | LinkageError e) {
            part.cannotSee(check.area(), String.valueOf(e.getMessage()));
        }
    }

    private static void printText(DoctorReport report) {
        System.out.println("hostkit doctor");
        report.sections().forEach((name, facts) -> {
            System.out.println();
            System.out.println(name);
            facts.forEach((k, v) -> {
                if (v instanceof List<?> list) {
                    System.out.printf("  %-24s %s%n", k, list.isEmpty() ? "none" : "");
                    list.forEach(item -> System.out.println("    " + textOf(item)));
                } else {
                    System.out.printf("  %-24s %s%n", k, v);
                }
            });
        });
        System.out.println();
        System.out.println("findings");
        if (report.findings().isEmpty()) {
            System.out.println("  none");
        }
        for (DoctorReport.Finding f : report.findings()) {
            System.out.printf("  [%s] %s: %s%n", f.severity().label(), f.area(), f.summary());
            if (f.remedy() != null && !f.remedy().isEmpty()) {
                System.out.println("         remedy: " + f.remedy());
            }
        }
        if (!report.cannotSee().isEmpty()) {
            System.out.println();
            System.out.println("could not see");
            report.cannotSee().forEach(s -> System.out.println("  " + s));
        }
        System.out.println();
        System.out.println("status: " + report.status());
    }

    /** A list item on one line: a map as its values joined, everything else as it prints. */
    private static String textOf(Object item) {
        if (item instanceof Map<?, ?> m) {
            StringBuilder b = new StringBuilder();
            m.forEach((k, v) -> {
                if (v != null) {
                    b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(v);
                }
            });
            return b.toString();
        }
        return String.valueOf(item);
    }

    static String toJson(DoctorReport report) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", report.status());
        out.putAll(report.sections());
        List<Map<String, Object>> findings = new ArrayList<>();
        for (DoctorReport.Finding f : report.findings()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("severity", f.severity().label());
            m.put("area", f.area());
            m.put("summary", f.summary());
            m.put("remedy", f.remedy());
            findings.add(m);
        }
        out.put("findings", findings);
        out.put("cannotSee", report.cannotSee());
        try {
            return new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS).writeValueAsString(out);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the report as JSON", e);
        }
    }

    /** Kernel, privileges, network namespaces, file handles. */
    static final class HostCheck implements Check {
        @Override
        public String area() {
            return "host";
        }

        @Override
        public void run(DoctorReport report) {
            Map<String, Object> host = report.section("host");
            KernelVersion kernel = KernelVersion.current();
            host.put("kernel", kernel.release());
            boolean root = isRoot();
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
            report.metric("hostkit_network_namespaces", "Distinct network namespaces of running processes.", namespaces.size());
            if (!root && unreadable > 0) {
                report.cannotSee("network namespaces", "not root: " + unreadable + " processes' namespaces could not be opened");
            }
            fileHandles(report, host);
        }

        private static void fileHandles(DoctorReport report, Map<String, Object> host) {
            try {
                String[] f = ProcFs.readKernelFile(Path.of("/proc/sys/fs/file-nr")).trim().split("\\s+");
                long allocated = Long.parseLong(f[0]);
                long max = Long.parseLong(f[2]);
                host.put("fileHandles", allocated + " of " + max);
                report.metric("hostkit_file_handles_allocated", "System-wide allocated file handles (fs.file-nr).", allocated);
                if (max > 0 && allocated > max * 0.9) {
                    report.finding(Severity.CRITICAL, "host", "file handles nearly exhausted: " + allocated + " of " + max,
                            "find the process leaking fds (ls /proc/*/fd | wc -l per process) and restart it; raise fs.file-max only as a stopgap");
                } else if (max > 0 && allocated > max * 0.7) {
                    report.finding(Severity.WARN, "host", "file handles above 70%: " + allocated + " of " + max,
                            "look for a process whose fd count keeps growing (a leaking agent)");
                }
            } catch (IOException | RuntimeException e) {
                report.cannotSee("file handles", "/proc/sys/fs/file-nr: " + e.getMessage());
            }
        }
    }

    /**
     * Macvlan inventory: every network namespace (named ones and those of running processes, each once), its
     * macvlans and their parents. One link dump per namespace, one of the host for parents that live there.
     */
    static final class MacvlanCheck implements Check {
        private final NamespaceSource namespaces;
        private final LinkDumps dumps;

        MacvlanCheck(NamespaceSource namespaces, LinkDumps dumps) {
            this.namespaces = namespaces;
            this.dumps = dumps;
        }

        @Override
        public String area() {
            return "macvlan";
        }

        @Override
        public void run(DoctorReport report) throws InterruptedException, ExecutionException {
            Map<String, Object> s = report.section("macvlan");
            List<String> inventory = new ArrayList<>();
            int inspected = 0;
            int unreadable = 0;
            Map<Integer, String> hostNames = new HashMap<>();
            try (RtNetlink host = RtNetlink.open()) {
                host.links().forEach(l -> hostNames.put(l.index(), l.name()));
            }
            List<NamespaceSource.Candidate> found = namespaces.discover();
            List<LinkDumps.Dump> looked = NamespaceLooks.each(found, c -> dumps.of(c.id(), c.path()));
            for (int i = 0; i < found.size(); i++) {
                NamespaceSource.Candidate c = found.get(i);
                if (!looked.get(i).ok()) {
                    unreadable++; // the process exited, or its namespace is not ours to open
                    continue;
                }
                List<Link> links = looked.get(i).links();
                inspected++;
                Map<Integer, String> local = new HashMap<>();
                links.forEach(l -> local.put(l.index(), l.name()));
                for (Link l : links) {
                    if (!(l.kind() instanceof LinkKind.Macvlan m)) {
                        continue;
                    }
                    // With a link-netnsid the parent lives in another namespace (the host's, for containers).
                    String parent = (l.linkNetnsId() >= 0 ? hostNames : local).get(l.parentIndex());
                    inventory.add("net:[" + c.id().inode() + "] " + (c.pid() > 0 ? "pid " + c.pid() : c.path().toString()) + " " + l.name()
                            + " on " + (parent == null ? "#" + l.parentIndex() + " (not found)" : parent) + " mode " + m.mode());
                }
            }
            s.put("namespacesInspected", inspected);
            s.put("macvlans", inventory.size());
            s.put("interfaces", inventory);
            report.metric("hostkit_macvlans", "Macvlan interfaces across all network namespaces.", inventory.size());
            if (!isRoot() && unreadable > 0) {
                report.cannotSee("macvlan", "not root: " + unreadable + " namespaces of other users' processes were not inspected");
            }
        }
    }

    /** Memory cgroup census, kmem accounting verdict and memcg ID headroom. */
    static final class CgroupsCheck implements Check {
        @Override
        public String area() {
            return "cgroups";
        }

        @Override
        public void run(DoctorReport report) {
            // Orphans are judged against the Docker Engine's containers (and its kubelet pods, when kubelet runs on it);
            // containerd's and CRI-O's containers are never judged against Docker's list.
            List<String> whyNot = new ArrayList<>();
            DockerCommand.LiveIds live = CgroupsCommand.dockerIds(whyNot);
            CgroupsCommand.CgroupsReport c = live == null ? CgroupsCommand.report(Path.of("/"))
                    : CgroupsCommand.report(Path.of("/"), 10, live.podUids(), live.containerIds(),
                    Set.of(CgroupOwner.Runtime.DOCKER));
            Map<String, Object> s = report.section("cgroups");
            s.put("live", c.census().live());
            s.put("dying", c.census().dying());
            s.put("idHeadroom", c.census().idHeadroom());
            s.put("risk", c.census().risk().name().toLowerCase(java.util.Locale.ROOT));
            s.put("kmemActive", c.kmem().active());
            s.put("kmemReason", c.kmem().reason());
            report.metric("hostkit_memcg_live", "Live memory cgroups.", c.census().live());
            report.metric("hostkit_memcg_dying", "Dying (removed but not freed) memory cgroups.", c.census().dying());
            report.metric("hostkit_memcg_id_headroom", "Memory cgroup IDs left before mkdir fails.", c.census().idHeadroom());
            Severity sev = switch (c.census().risk()) {
                case OK -> Severity.OK;
                case WARN -> Severity.WARN;
                case CRITICAL -> Severity.CRITICAL;
            };
            if (sev != Severity.OK) {
                report.finding(sev, "cgroups", String.join("; ", c.census().riskReasons()), String.join(" Then: ", c.remedies()));
            }
            reportOrphans(report, s, c, live, whyNot);
            if (c.kmem().exposed()) {
                report.finding(Severity.WARN, "cgroups", "kmem accounting exposes this host to the memcg leak: " + c.kmem().exposure(),
                        "boot with cgroup.memory=nokmem, or run runc >= 1.0.0-rc94 / kubelet built with nokmem");
            }
        }
    }

    private static void reportOrphans(DoctorReport report, Map<String, Object> s, CgroupsCommand.CgroupsReport c,
                                      DockerCommand.LiveIds live, List<String> whyNot) {
        if (live == null) {
            report.cannotSee("cgroups", "orphaned cgroups are not judged: no Docker Engine to ask which containers exist ("
                    + String.join("; ", whyNot) + ")");
            return;
        }
        s.put("orphansJudged", live.podUids() == null ? "docker containers" : "docker containers and kubelet pods");
        List<Map<String, Object>> list = new ArrayList<>();
        long bytes = 0;
        for (OrphanCgroup o : c.orphans()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("path", o.path());
            m.put("reason", o.reason());
            m.put("usage", o.usage());
            m.put("kmemUsage", o.kmemUsage());
            m.put("tasks", o.tasks());
            list.add(m);
            bytes += o.usage();
        }
        s.put("orphans", list);
        report.metric("hostkit_memcg_orphans", "Pod and container memory cgroups whose pod or container is gone.", list.size());
        if (!c.orphans().isEmpty()) {
            OrphanCgroup first = c.orphans().get(0);
            long withTasks = c.orphans().stream().filter(o -> o.tasks() > 0).count();
            report.finding(Severity.WARN, "cgroups", c.orphans().size() + " orphaned pod/container memory cgroup(s) hold "
                            + (bytes >> 20) + " MiB; largest " + first.path() + " (" + first.reason() + ")",
                    (withTasks > 0 ? withTasks + " still hold processes that outlived their container: find them in the cgroup's "
                            + "tasks file and stop them first; then " : "")
                    + "remove each orphan with rmdir, deepest directories first (a cgroup with no tasks frees its memory and, "
                    + "once its page cache is reclaimed, its memcg ID)");
        }
    }

    /** Docker Engine version, API version and container counts (one-shot client, no connection kept). */
    static final class DockerCheck implements Check {
        @Override
        public String area() {
            return "docker";
        }

        @Override
        public void run(DoctorReport report) {
            DockerCommand.EngineSummary d = DockerCommand.summary(null);
            Map<String, Object> s = report.section("docker");
            s.put("version", d.version());
            s.put("apiVersion", d.apiVersion());
            s.put("containers", d.containers());
            s.put("running", d.running());
            report.metric("hostkit_docker_containers", "Containers known to the Docker Engine.", d.containers());
            report.metric("hostkit_docker_containers_running", "Running containers.", d.running());
        }
    }

    static boolean isRoot() {
        try {
            return Files.readString(Path.of("/proc/self/status")).lines()
                    .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[1].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }
}
