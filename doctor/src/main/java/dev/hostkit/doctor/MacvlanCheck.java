package dev.hostkit.doctor;

import dev.hostkit.guard.NamespaceSource;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.LinkKind;
import dev.hostkit.netlink.RtNetlink;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * Macvlan inventory: every network namespace (named ones and those of running processes, each once), its
 * macvlans and their parents. One link dump per namespace, one of the host for parents that live there.
 */
final class MacvlanCheck implements Doctor.Check {
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
                inventory.add("net:[" + c.id().inode() + "] "
                        + (c.pid() > 0 ? "pid " + c.pid() : c.path().toString()) + " " + l.name() + " on "
                        + (parent == null ? "#" + l.parentIndex() + " (not found)" : parent) + " mode " + m.mode());
            }
        }
        s.put("namespacesInspected", inspected);
        s.put("macvlans", inventory.size());
        s.put("interfaces", inventory);
        report.metric("hostkit_macvlans", "Macvlan interfaces across all network namespaces.", inventory.size());
        if (!Doctor.isRoot() && unreadable > 0) {
            report.cannotSee(
                    "macvlan", "not root: " + unreadable + " namespaces of other users' processes were not inspected");
        }
    }
}
