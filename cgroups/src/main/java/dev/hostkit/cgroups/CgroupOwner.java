package dev.hostkit.cgroups;

import java.util.List;
import java.util.Optional;

/**
 * Who a cgroup path belongs to, read from the layouts kubelet (cgroupfs and systemd drivers), Docker,
 * containerd and CRI-O use. Pure function of the path: it never looks at the host.
 *
 * @param path the cgroup path that was parsed
 * @param driver how the path was laid out
 * @param qos the pod's QoS class, or {@code null} outside {@code kubepods}
 * @param podUid the pod UID with dashes ({@code 0f6c...-...}), or {@code null} when the path has no pod
 * @param containerId the container id (hex), or {@code null} for a pod-level cgroup
 * @param runtime the runtime the path names, {@link Runtime#UNKNOWN} when the layout does not say
 */
public record CgroupOwner(
        String path, Driver driver, QosClass qos, String podUid, String containerId, Runtime runtime) {

    /** The cgroup driver whose naming the path follows. */
    public enum Driver {
        /** Plain directories: {@code kubepods/burstable/pod<uid>/<id>}, {@code docker/<id>}. */
        CGROUPFS,
        /** systemd units: {@code kubepods-burstable-pod<uid>.slice}, {@code docker-<id>.scope}. */
        SYSTEMD
    }

    /** Kubernetes pod QoS class. */
    public enum QosClass {
        /** Directly under kubepods: requests equal limits. */
        GUARANTEED,
        /** Under kubepods/burstable. */
        BURSTABLE,
        /** Under kubepods/besteffort. */
        BEST_EFFORT
    }

    /** The container runtime named by the path. */
    public enum Runtime {
        /** {@code docker/<id>}, {@code docker-<id>.scope}. */
        DOCKER,
        /** {@code cri-containerd-<id>.scope} or a containerd namespace directory. */
        CONTAINERD,
        /** {@code crio-<id>.scope}, {@code crio-conmon-<id>.scope}. */
        CRIO,
        /** The path does not name its runtime (kubelet's cgroupfs driver). */
        UNKNOWN
    }

    // The names below are matched by hand, not by regular expressions: a reclaim judges every cgroup of the host
    // (10,000 and more) in a fresh JVM, where a Matcher per path segment was most of the judging's time.
    /** The runtimes' systemd scope prefixes, in the order they are tried ({@code crio-conmon} before {@code crio}). */
    private static final List<String> SCOPE_PREFIXES =
            List.of("docker-", "cri-containerd-", "crio-conmon-", "crio-", "containerd-");

    private static final String SCOPE_SUFFIX = ".scope";
    private static final String POD_SLICE_PREFIX = "kubepods";
    private static final String SLICE_SUFFIX = ".slice";

    /**
     * Parses a cgroup path.
     *
     * @param path a path in a hierarchy, e.g. {@code /kubepods/burstable/pod1f2e.../4b5c...}
     * @return the owner, or empty when the path is neither a pod's nor a container's
     */
    public static Optional<CgroupOwner> parse(String path) {
        String[] seg = path.split("/");
        Driver driver = null;
        QosClass qos = null;
        String pod = null;
        String container = null;
        Runtime runtime = Runtime.UNKNOWN;
        boolean inKubepods = false;
        for (int i = 0; i < seg.length; i++) {
            String s = seg[i];
            if (s.isEmpty()) {
                continue;
            }
            if (s.equals("kubepods")) {
                inKubepods = true;
                driver = Driver.CGROUPFS;
                qos = QosClass.GUARANTEED;
            } else if (s.equals("kubepods.slice")) {
                inKubepods = true;
                driver = Driver.SYSTEMD;
                qos = QosClass.GUARANTEED;
            } else if (inKubepods && (s.equals("burstable") || s.equals("kubepods-burstable.slice"))) {
                qos = QosClass.BURSTABLE;
            } else if (inKubepods && (s.equals("besteffort") || s.equals("kubepods-besteffort.slice"))) {
                qos = QosClass.BEST_EFFORT;
            } else if (inKubepods && pod == null && podDirUid(s) != null) {
                pod = podDirUid(s).toLowerCase(java.util.Locale.ROOT);
            } else if (inKubepods && pod == null && podSliceUid(s) != null) {
                pod = podSliceUid(s).replace('_', '-').toLowerCase(java.util.Locale.ROOT);
            } else if (scopePrefix(s) != null) {
                String prefix = scopePrefix(s);
                container = s.substring(prefix.length(), s.length() - SCOPE_SUFFIX.length());
                runtime = switch (prefix) {
                    case "docker-" -> Runtime.DOCKER;
                    case "crio-", "crio-conmon-" -> Runtime.CRIO;
                    default -> Runtime.CONTAINERD;
                };
                if (driver == null) {
                    driver = Driver.SYSTEMD;
                }
            } else if (i > 0 && seg[i - 1].equals("docker") && isId(s)) {
                container = s;
                runtime = Runtime.DOCKER;
                driver = driver == null ? Driver.CGROUPFS : driver;
            } else if (i > 0
                    && (seg[i - 1].equals("k8s.io") || seg[i - 1].equals("default") || seg[i - 1].equals("moby"))
                    && isId(s)
                    && !inKubepods) {
                container = s;
                runtime = seg[i - 1].equals("moby") ? Runtime.DOCKER : Runtime.CONTAINERD;
                driver = Driver.CGROUPFS;
            } else if (inKubepods && pod != null && container == null && isId(s)) {
                container = s;
            }
        }
        if (pod == null && container == null) {
            return Optional.empty();
        }
        return Optional.of(new CgroupOwner(path, driver, inKubepods ? qos : null, pod, container, runtime));
    }

    /** {@code [0-9a-f]{12,64}}: a container id, full or short. */
    static boolean isId(String s) {
        return isId(s, 0, s.length());
    }

    private static boolean isId(String s, int from, int to) {
        int n = to - from;
        if (n < 12 || n > 64) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    /** The runtime prefix of {@code <runtime>-<id>.scope}, or null when the name is not one. */
    private static String scopePrefix(String s) {
        if (!s.endsWith(SCOPE_SUFFIX)) {
            return null;
        }
        for (String prefix : SCOPE_PREFIXES) {
            if (s.startsWith(prefix) && isId(s, prefix.length(), s.length() - SCOPE_SUFFIX.length())) {
                return prefix;
            }
        }
        return null;
    }

    /** The UID of {@code pod<uid>} (hex digits and dashes, 8 or more), or null. */
    private static String podDirUid(String s) {
        if (!s.startsWith("pod") || !uidChars(s, 3, s.length(), '-')) {
            return null;
        }
        return s.substring(3);
    }

    /** The UID of {@code kubepods[-burstable|-besteffort]-pod<uid>.slice} (hex and underscores, 8 or more), or null. */
    private static String podSliceUid(String s) {
        if (!s.startsWith(POD_SLICE_PREFIX) || !s.endsWith(SLICE_SUFFIX)) {
            return null;
        }
        int from = POD_SLICE_PREFIX.length();
        for (String qos : List.of("-burstable", "-besteffort", "")) {
            if (s.startsWith(qos + "-pod", from)) {
                int uid = from + qos.length() + 4;
                int end = s.length() - SLICE_SUFFIX.length();
                return uid <= end && uidChars(s, uid, end, '_') ? s.substring(uid, end) : null;
            }
        }
        return null;
    }

    // 8 or more of [0-9a-fA-F] and the separator.
    private static boolean uidChars(String s, int from, int to, char separator) {
        if (to - from < 8) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == separator)) {
                return false;
            }
        }
        return true;
    }
}
