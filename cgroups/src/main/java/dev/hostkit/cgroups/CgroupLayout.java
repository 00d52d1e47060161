package dev.hostkit.cgroups;

/**
 * How a host mounts cgroups: only v1 controllers, only the unified v2 tree, or both (v1 controllers
 * plus a cgroup2 mount, as systemd's "hybrid" mode and this project's CI host do).
 */
public enum CgroupLayout {
    /** Only cgroup v1 hierarchies are mounted. */
    V1("v1"),
    /** Only the unified cgroup2 hierarchy is mounted. */
    V2("v2"),
    /** v1 controller hierarchies and a cgroup2 mount side by side. */
    HYBRID("hybrid");

    private final String label;

    CgroupLayout(String label) {
        this.label = label;
    }

    /** {@code v1}, {@code v2} or {@code hybrid}, as printed in reports. */
    public String label() {
        return label;
    }
}
