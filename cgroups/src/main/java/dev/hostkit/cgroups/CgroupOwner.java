package dev.hostkit.cgroups;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    private static final Pattern ID = Pattern.compile("[0-9a-f]{12,64}");
    private static final Pattern SCOPE =
            Pattern.compile("(docker|cri-containerd|crio-conmon|crio|containerd)-([0-9a-f]{12,64})\\.scope");
    private static final Pattern POD_DIR = Pattern.compile("pod([0-9a-fA-F-]{8,})");
    private static final Pattern POD_SLICE =
            Pattern.compile("kubepods(?:-(burstable|besteffort))?-pod([0-9a-fA-F_]{8,})\\.slice");

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
            } else if (inKubepods && pod == null && matches(POD_DIR, s) != null) {
                pod = matches(POD_DIR, s).group(1).toLowerCase(java.util.Locale.ROOT);
            } else if (inKubepods && pod == null && matches(POD_SLICE, s) != null) {
                Matcher m = matches(POD_SLICE, s);
                pod = m.group(2).replace('_', '-').toLowerCase(java.util.Locale.ROOT);
            } else if (matches(SCOPE, s) != null) {
                Matcher m = matches(SCOPE, s);
                container = m.group(2);
                runtime = switch (m.group(1)) {
                    case "docker" -> Runtime.DOCKER;
                    case "crio", "crio-conmon" -> Runtime.CRIO;
                    default -> Runtime.CONTAINERD;
                };
                if (driver == null) {
                    driver = Driver.SYSTEMD;
                }
            } else if (i > 0 && seg[i - 1].equals("docker") && ID.matcher(s).matches()) {
                container = s;
                runtime = Runtime.DOCKER;
                driver = driver == null ? Driver.CGROUPFS : driver;
            } else if (i > 0
                    && (seg[i - 1].equals("k8s.io") || seg[i - 1].equals("default") || seg[i - 1].equals("moby"))
                    && ID.matcher(s).matches()
                    && !inKubepods) {
                container = s;
                runtime = seg[i - 1].equals("moby") ? Runtime.DOCKER : Runtime.CONTAINERD;
                driver = Driver.CGROUPFS;
            } else if (inKubepods
                    && pod != null
                    && container == null
                    && ID.matcher(s).matches()) {
                container = s;
            }
        }
        if (pod == null && container == null) {
            return Optional.empty();
        }
        return Optional.of(new CgroupOwner(path, driver, inKubepods ? qos : null, pod, container, runtime));
    }

    private static Matcher matches(Pattern p, String s) {
        Matcher m = p.matcher(s);
        return m.matches() ? m : null;
    }
}
