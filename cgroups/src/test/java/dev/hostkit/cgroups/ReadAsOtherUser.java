package dev.hostkit.cgroups;

import java.nio.file.Path;

/** Run by {@link PermissionDeniedIT} as an unprivileged user: reads one cgroup (or judges kmem) and prints what went wrong. */
final class ReadAsOtherUser {
    private ReadAsOtherUser() {}

    public static void main(String[] args) {
        if (args.length == 2 && args[0].equals("kmem")) {
            KmemVerdict v = KmemVerdict.ofHost(CgroupFs.at(Path.of(args[1])), null);
            System.out.println(v.known() + "|" + v.active() + "|" + v.reason());
            return;
        }
        try {
            MemoryCgroup.v1(Path.of(args[0]), "/locked").read();
            System.out.println("no error");
        } catch (CgroupException e) {
            System.out.println(e.getClass().getSimpleName() + "|" + e.errno() + "|" + e.file() + "|" + e.getMessage());
        }
    }
}
