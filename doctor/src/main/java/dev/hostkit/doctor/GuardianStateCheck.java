package dev.hostkit.doctor;

import dev.hostkit.core.NetNamespace.NsId;
import dev.hostkit.doctor.DoctorReport.Severity;
import dev.hostkit.guard.GuardianState;
import dev.hostkit.guard.GuardianStatus;
import dev.hostkit.guard.HostParent;
import dev.hostkit.guard.InterfaceSnapshot;
import dev.hostkit.guard.MacvlanGuardian;
import dev.hostkit.guard.NamespaceRef;
import dev.hostkit.guard.NamespaceSource;
import dev.hostkit.guard.Observation;
import dev.hostkit.guard.Observation.NamespaceStatus;
import dev.hostkit.guard.Observation.Parent;
import dev.hostkit.guard.Verdict;
import dev.hostkit.guard.Verdicts;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.RtNetlink;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;

/**
 * The guardian's state as the doctor sees it ({@code --state-dir DIR}): every snapshot the guardian keeps, held against
 * the host now (is the namespace still the same one, is the interface there, is its parent there) and judged by the
 * guardian's own rule, {@link Verdicts#judge}. Read-only: the state files are parsed by the guardian's own reader,
 * which never writes the directory.
 */
final class GuardianStateCheck implements Doctor.Check {
    static final String AREA = "guardian";

    /** Where one guarded interface stands now. */
    enum Status {
        /** In its namespace as snapshotted. */
        PRESENT,
        /** Gone from a live namespace while its parent is there: nobody is repairing it. */
        MISSING,
        /** Gone with its parent; the guardian recreates it when the parent returns. */
        WAITING_FOR_PARENT,
        /** Something else has the name; the guardian leaves it alone. */
        CONFLICT,
        /** The namespace is gone or was replaced; a running guardian drops such snapshots. */
        STALE,
        /** The namespace could not be opened (not root). */
        UNKNOWN;

        String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }
    }

    /** A state file the guardian would ignore, and why. */
    record Problem(String file, String reason) {}

    /** What the state directory holds: snapshots that parsed, files that did not. */
    record State(List<InterfaceSnapshot> snapshots, List<Problem> problems) {}

    /**
     * One snapshot judged against the host by the guardian's own rule ({@link Verdicts#judge}).
     *
     * @param verdict the shared verdict
     * @param status where it stands, as the doctor reports it
     * @param parentPresent whether the host has a link of the parent's name now
     */
    record Judged(InterfaceSnapshot snapshot, Verdict verdict, Status status, String detail, boolean parentPresent) {}

    private final Path stateDir;
    private final NamespaceSource namespaces;
    private final LinkDumps dumps;

    GuardianStateCheck(Path stateDir) {
        this(stateDir, NamespaceSource.hostDefault(), new LinkDumps());
    }

    GuardianStateCheck(Path stateDir, NamespaceSource namespaces, LinkDumps dumps) {
        this.stateDir = stateDir.toAbsolutePath();
        this.namespaces = namespaces;
        this.dumps = dumps;
    }

    @Override
    public String area() {
        return AREA;
    }

    @Override
    public void run(DoctorReport report) throws InterruptedException, ExecutionException {
        Map<String, Object> section = report.section(AREA);
        section.put("stateDir", stateDir.toString());
        if (!Files.isDirectory(stateDir)) {
            report.cannotSee(
                    AREA,
                    "state directory " + stateDir
                            + (Files.exists(stateDir, LinkOption.NOFOLLOW_LINKS)
                                    ? " is not a directory"
                                    : " does not exist")
                            + " (is the guardian run with another --state-dir?)");
            return;
        }
        State state;
        try {
            state = read(stateDir);
        } catch (IOException e) {
            report.cannotSee(
                    AREA,
                    "cannot read state directory " + stateDir + ": " + e.getMessage()
                            + (Doctor.isRoot() ? "" : " (not root; the guardian keeps it 0700)"));
            return;
        }
        Boolean running = guardianRunning(stateDir);
        section.put("guardianRunning", running);
        List<Judged> verdicts = judgeAll(state.snapshots(), report);
        report(report, section, verdicts, state.problems(), running);
    }

    /** Whether a guardian holds the directory now; null when that cannot be read. */
    private static Boolean guardianRunning(Path stateDir) {
        try {
            return GuardianStatus.guardianRunning(stateDir);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Reads the state directory without touching it ({@link MacvlanGuardian#readState}: nothing is created, chmod-ed or
     * removed, so a running guardian's write in flight is left alone).
     */
    static State read(Path dir) throws IOException {
        GuardianState state = MacvlanGuardian.readState(dir);
        List<Problem> problems = state.problems().stream()
                .map(p -> new Problem(p.file().getFileName().toString(), p.reason()))
                .toList();
        return new State(state.snapshots(), problems);
    }

    /** Judges every snapshot: one look (one link dump) per namespace, one at the host. */
    private List<Judged> judgeAll(List<InterfaceSnapshot> snapshots, DoctorReport report)
            throws InterruptedException, ExecutionException {
        List<Judged> out = new ArrayList<>();
        if (snapshots.isEmpty()) {
            return out;
        }
        NamespaceSource.Look look = namespaces.look();
        Map<NsId, NamespaceSource.Candidate> live = new HashMap<>();
        for (NamespaceSource.Candidate c : look.found()) {
            live.putIfAbsent(c.id(), c);
        }
        Map<NsId, List<InterfaceSnapshot>> byNamespace = new LinkedHashMap<>();
        snapshots.forEach(s -> byNamespace
                .computeIfAbsent(s.namespace().id(), k -> new ArrayList<>())
                .add(s));
        HostLinks host = new HostLinks(new HashMap<>(), new HashMap<>());
        try (RtNetlink rt = RtNetlink.open()) {
            rt.links().forEach(l -> {
                host.byName().put(l.name(), l.index());
                host.byIndex().put(l.index(), l.name());
            });
        }
        List<List<Judged>> judged = NamespaceLooks.each(
                new ArrayList<>(byNamespace.values()),
                group -> judgeNamespace(group, live, look.errors(), host, dumps));
        int unreachable = 0;
        String why = null;
        for (List<Judged> vs : judged) {
            out.addAll(vs);
            for (Judged v : vs) {
                if (v.status() == Status.UNKNOWN) {
                    unreachable++;
                    why = v.detail();
                }
            }
        }
        if (unreachable > 0) {
            report.cannotSee(
                    AREA,
                    unreachable + " guarded interfaces' namespaces could not be looked at (" + why + ")"
                            + (Doctor.isRoot() ? "" : "; run as root"));
        }
        return out;
    }

    /** The host's links by name and by index, from one dump. */
    record HostLinks(Map<String, Integer> byName, Map<Integer, String> byIndex) {}

    /** Judges one namespace's snapshots with one look into it: identity, cookie, one link dump. */
    private static List<Judged> judgeNamespace(
            List<InterfaceSnapshot> group,
            Map<NsId, NamespaceSource.Candidate> live,
            List<NamespaceSource.LookError> lookErrors,
            HostLinks host,
            LinkDumps dumps) {
        NamespaceRef ref = group.get(0).namespace();
        Path path = pathOf(ref, live);
        if (path == null) {
            // One look, no history: an error on the namespace's own path leaves it unknown; errors elsewhere (a
            // process the doctor cannot read) are said beside the verdict. The doctor forgets nothing either way.
            for (NamespaceSource.LookError e : lookErrors) {
                if (e.path().equals(ref.path())) {
                    return judgeEach(
                            group, NamespaceStatus.UNKNOWN, "cannot read " + e.path() + ": " + e.detail(), host);
                }
            }
            return judgeEach(
                    group,
                    NamespaceStatus.GONE,
                    "namespace is gone (no process or name refers to it"
                            + (lookErrors.isEmpty()
                                    ? ""
                                    : "; " + lookErrors.size() + " other namespace file(s) could not be read, e.g. "
                                            + lookErrors.get(0).path() + ": "
                                            + lookErrors.get(0).detail())
                            + ")",
                    host);
        }
        LinkDumps.Dump dump = dumps.of(ref.id(), path);
        if (!dump.ok()) {
            return judgeEach(group, NamespaceStatus.UNKNOWN, "cannot open the namespace: " + dump.failure(), host);
        }
        if (!ref.sameAs(ref.id(), dump.cookie())) {
            return judgeEach(
                    group,
                    NamespaceStatus.REPLACED,
                    "namespace was replaced (same inode " + ref.inode() + ", new netns cookie)",
                    host);
        }
        Map<String, Link> links = new HashMap<>();
        dump.links().forEach(l -> links.put(l.name(), l));
        List<Judged> out = new ArrayList<>(group.size());
        for (InterfaceSnapshot s : group) {
            Link l = links.get(s.name());
            out.add(judge(
                    s,
                    new Observation(
                            NamespaceStatus.SAME,
                            l == null ? null : observed(l, dump.hostNsid(), host),
                            Parent.ofIndex(host.byName().get(s.parent().name())),
                            false),
                    null));
        }
        return out;
    }

    private static List<Judged> judgeEach(
            List<InterfaceSnapshot> group, NamespaceStatus status, String why, HostLinks host) {
        List<Judged> out = new ArrayList<>(group.size());
        for (InterfaceSnapshot s : group) {
            out.add(judge(
                    s,
                    new Observation(
                            status,
                            null,
                            Parent.ofIndex(host.byName().get(s.parent().name())),
                            false),
                    why));
        }
        return out;
    }

    /** A live link as the verdict sees it; its parent is named only when it is a host link. */
    static Observation.LiveLink observed(Link l, int hostNsid, HostLinks host) {
        String parent =
                hostNsid >= 0 && l.linkNetnsId() == hostNsid ? host.byIndex().get(l.parentIndex()) : null;
        return new Observation.LiveLink(
                l.index(), l.mac(), l.kind().kindName(), l.macvlanMode().orElse(null), l.isUp(), parent);
    }

    /** Where the namespace is now: the path it was reached by if it still names it, else any path naming it; null when gone. */
    private static Path pathOf(NamespaceRef ref, Map<NsId, NamespaceSource.Candidate> live) {
        if (ref.id().equals(NamespaceSource.statId(ref.path()))) {
            return ref.path();
        }
        NamespaceSource.Candidate c = live.get(ref.id());
        return c == null ? null : c.path();
    }

    /**
     * Judges one snapshot by the guardian's rule and says it in the doctor's words.
     *
     * @param s the snapshot
     * @param seen what the host shows
     * @param why what the namespace's status rests on when it is not {@code SAME}
     */
    static Judged judge(InterfaceSnapshot s, Observation seen, String why) {
        Verdict v = Verdicts.judge(s, seen);
        String parent = s.parent().name();
        boolean parentPresent = seen.parent() instanceof Parent.At;
        Observation.LiveLink now = seen.link();
        return switch (v) {
            case PRESENT -> new Judged(s, v, Status.PRESENT, "present", parentPresent);
            case SETTLING ->
                new Judged(
                        s,
                        v,
                        Status.PRESENT,
                        "present, settling (set down, or its parent is being torn down)",
                        parentPresent);
            case RECREATED ->
                new Judged(
                        s,
                        v,
                        Status.PRESENT,
                        "present, recreated with index " + now.ifindex()
                                + " (a guardian finishes its addresses and routes)",
                        parentPresent);
            case WAITING_FOR_PARENT ->
                new Judged(s, v, Status.WAITING_FOR_PARENT, "parent " + parent + " is gone", false);
            case DELETED_ON_PURPOSE ->
                new Judged(
                        s,
                        v,
                        Status.MISSING,
                        "deleted while its parent " + parent + " stayed (index " + s.parentIndex() + ")",
                        true);
            case LOST ->
                new Judged(
                        s,
                        v,
                        Status.MISSING,
                        "parent " + parent + " came back (index " + s.parentIndex() + " -> "
                                + ((Parent.At) seen.parent()).index() + ") but the interface was not recreated",
                        true);
            case CONFLICT ->
                new Judged(
                        s,
                        v,
                        Status.CONFLICT,
                        "an interface named " + s.name() + " is there with another configuration (" + describe(now)
                                + " instead of " + s.kindText() + " " + s.mac() + " on " + parent + ")",
                        parentPresent);
            case NAMESPACE_GONE, NAMESPACE_REPLACED -> new Judged(s, v, Status.STALE, why, parentPresent);
            case UNKNOWN -> new Judged(s, v, Status.UNKNOWN, why == null ? "could not look" : why, parentPresent);
        };
    }

    private static String describe(Observation.LiveLink l) {
        return (l.kind().isEmpty() ? "no kind" : l.kind())
                + (l.mode() == null ? "" : " " + l.mode().name().toLowerCase(Locale.ROOT)) + ", MAC " + l.mac()
                + (l.hostParent() == null ? "" : " on " + l.hostParent());
    }

    private void report(
            DoctorReport report,
            Map<String, Object> section,
            List<Judged> verdicts,
            List<Problem> problems,
            Boolean running) {
        String who = running == null
                ? "the guardian is not running or is failing"
                : running
                        ? "the guardian holding " + stateDir + " is running but has not recreated it"
                        : "no guardian is running on " + stateDir;
        Map<Status, Integer> counts = new TreeMap<>();
        for (Status st : Status.values()) {
            counts.put(st, 0);
        }
        List<Map<String, Object>> interfaces = new ArrayList<>();
        for (Judged v : verdicts) {
            counts.merge(v.status(), 1, Integer::sum);
            InterfaceSnapshot s = v.snapshot();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("namespace", "net:[" + s.namespace().inode() + "]");
            m.put("path", s.namespace().path().toString());
            m.put("interface", s.name());
            m.put("mac", s.mac().toString());
            m.put("parent", s.parent().name());
            m.put("parentPresent", v.parentPresent());
            m.put("namespaceAlive", v.status() != Status.STALE && v.status() != Status.UNKNOWN);
            m.put(
                    "interfacePresent",
                    switch (v.status()) {
                        case PRESENT, CONFLICT -> Boolean.TRUE;
                        case MISSING, WAITING_FOR_PARENT -> Boolean.FALSE;
                        case STALE, UNKNOWN -> null;
                    });
            m.put("status", v.status().label());
            m.put("verdict", v.verdict().name().toLowerCase(Locale.ROOT).replace('_', ' '));
            m.put("detail", v.detail());
            interfaces.add(m);
        }
        section.put("snapshots", verdicts.size());
        section.put("interfaces", interfaces);
        section.put(
                "stateFileProblems",
                problems.stream().map(p -> p.file() + ": " + p.reason()).toList());
        counts.forEach((st, n) -> report.metric(
                "hostkit_doctor_guard_interfaces",
                "Guarded interfaces in the guardian's state, by where they stand now.",
                "status=\"" + st.name().toLowerCase(Locale.ROOT) + "\"",
                n));
        report.metric(
                "hostkit_doctor_guard_state_file_problems",
                "Guardian state files the guardian would ignore.",
                problems.size());

        for (Judged v : verdicts) {
            InterfaceSnapshot s = v.snapshot();
            String where = s.name() + " in " + where(s.namespace());
            if (v.status() == Status.MISSING) {
                boolean parentStayed = v.verdict() == Verdict.DELETED_ON_PURPOSE;
                report.finding(
                        Severity.CRITICAL,
                        AREA,
                        where + " is missing while its parent " + s.parent().name() + " is present (" + v.detail()
                                + "): " + who,
                        parentStayed
                                ? "start the guardian (hostkit guard --state-dir " + stateDir
                                        + ") and read its log; an interface deleted while its parent "
                                        + "stayed is taken as deleted on purpose and not recreated, so restart the container (or rerun its CNI ADD) if it still needs "
                                        + s.name()
                                : "start the guardian (hostkit guard --state-dir " + stateDir
                                        + ") or read its log for repair failures; it recreates " + s.name()
                                        + " with MAC " + s.mac() + " on its next pass");
            } else if (v.status() == Status.CONFLICT) {
                report.finding(
                        Severity.WARN,
                        AREA,
                        where + ": " + v.detail() + "; the guardian leaves it alone",
                        "if the container was reconfigured on purpose, nothing to do (the guardian re-snapshots it once it is a macvlan on a host parent); "
                                + "otherwise find who replaced the interface");
            }
        }
        Map<String, List<String>> waiting = new TreeMap<>();
        Map<String, HostParent> parentOf = new HashMap<>();
        verdicts.stream().filter(v -> v.status() == Status.WAITING_FOR_PARENT).forEach(v -> {
            parentOf.put(v.snapshot().parent().name(), v.snapshot().parent());
            waiting.computeIfAbsent(v.snapshot().parent().name(), k -> new ArrayList<>())
                    .add(v.snapshot().name() + " in " + where(v.snapshot().namespace()));
        });
        waiting.forEach((parent, names) -> report.finding(
                Severity.WARN,
                AREA,
                "parent " + parent + " is gone: " + names.size() + " guarded interface(s) wait for it ("
                        + abbreviate(names) + ")",
                (parentOf.get(parent) instanceof HostParent.Vlan v
                                ? "bring " + v.lower() + " back, then the VLAN: ip link add link " + v.lower()
                                        + " name " + v.name() + " type vlan id "
                                        + v.id() + " && ip link set " + v.name()
                                        + " up (or run the guardian with --recreate-vlan-parents, which does this "
                                        + "when " + v.lower() + " returns)"
                                : "bring " + parent + " back (NIC driver, cable, bond)")
                        + "; keep the guardian running: it recreates them in their namespaces when " + parent
                        + " returns"));
        List<String> stale = verdicts.stream()
                .filter(v -> v.status() == Status.STALE)
                .map(v -> v.snapshot().name() + " in " + where(v.snapshot().namespace()))
                .toList();
        if (!stale.isEmpty()) {
            report.finding(
                    Severity.INFO,
                    AREA,
                    stale.size() + " snapshot(s) belong to namespaces that are gone or were replaced ("
                            + abbreviate(stale) + ")",
                    "nothing to do: a running guardian drops them on its next pass; if they stay, the guardian is not running");
        }
        for (Problem p : problems) {
            report.finding(
                    Severity.WARN,
                    AREA,
                    "guardian state file " + p.file() + " is unusable: " + p.reason(),
                    "the guardian ignores it, so the interfaces it described are not guarded until it snapshots them again on its next pass; "
                            + "move it out of " + stateDir + " (keep it for a bug report)");
        }
    }

    private static String where(NamespaceRef ns) {
        return "net:[" + ns.inode() + "]" + (ns.pid() > 0 ? " (pid " + ns.pid() + ")" : " (" + ns.path() + ")");
    }

    private static String abbreviate(List<String> items) {
        return items.size() <= 5
                ? String.join(", ", items)
                : String.join(", ", items.subList(0, 5)) + " and " + (items.size() - 5) + " more";
    }
}
