package dev.hostkit.testkit.cgroups;

import dev.hostkit.testkit.cgroups.CgroupFixture.ContainerRuntime;
import dev.hostkit.testkit.cgroups.CgroupFixture.Qos;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

// Where runtimes put container cgroups (kubelet with the cgroupfs or systemd driver, Docker, containerd), and the
// checks on the ids, pod UIDs, namespaces and paths a test hands in.
final class ContainerPaths {
    private static final Pattern CONTAINER_ID = Pattern.compile("[0-9a-f]{12,64}");
    private static final Pattern POD_UID = Pattern.compile("[0-9a-fA-F]+(-[0-9a-fA-F]+)*");
    private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    /** A parent cgroup and how each container's directory below it is named: prefix + id + suffix. */
    record Layout(String parent, String prefix, String suffix) {
        String container(String id) {
            if (id == null || !CONTAINER_ID.matcher(id).matches()) {
                throw new IllegalArgumentException("not a container id (12 to 64 lowercase hex digits): '" + id + "'");
            }
            return parent + "/" + prefix + id + suffix;
        }
    }

    private ContainerPaths() {}

    static Layout kubeletCgroupfsPod(Qos qos, ContainerRuntime runtime, String podUid) {
        Objects.requireNonNull(runtime, "runtime");
        String pod = "/kubepods"
                + switch (Objects.requireNonNull(qos, "qos")) {
                    case GUARANTEED -> "";
                    case BURSTABLE -> "/burstable";
                    case BEST_EFFORT -> "/besteffort";
                }
                + "/pod" + checkPodUid(podUid);
        return new Layout(pod, runtime == ContainerRuntime.CRIO ? "crio-" : "", "");
    }

    static Layout kubeletSystemdPod(Qos qos, ContainerRuntime runtime, String podUid) {
        String uid = checkPodUid(podUid).replace('-', '_');
        String pod = switch (Objects.requireNonNull(qos, "qos")) {
            case GUARANTEED -> "/kubepods.slice/kubepods-pod" + uid + ".slice";
            case BURSTABLE -> "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uid + ".slice";
            case BEST_EFFORT -> "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uid + ".slice";
        };
        String prefix = switch (Objects.requireNonNull(runtime, "runtime")) {
            case DOCKER -> "docker-";
            case CONTAINERD -> "cri-containerd-";
            case CRIO -> "crio-";
        };
        return new Layout(pod, prefix, ".scope");
    }

    static Layout containerd(String namespace) {
        if (namespace == null || !NAMESPACE.matcher(namespace).matches()) {
            throw new IllegalArgumentException("not a containerd namespace: '" + namespace + "'");
        }
        return new Layout("/" + namespace, "", "");
    }

    static void checkCgroupPath(String path) {
        if (path == null
                || !path.startsWith("/")
                || path.equals("/")
                || path.endsWith("/")
                || path.contains("//")
                || path.contains("\n")
                || List.of(path.split("/")).stream().anyMatch(s -> s.equals(".") || s.equals(".."))) {
            throw new IllegalArgumentException(
                    "not a cgroup path below the root (absolute, no '.', '..' or empty parts): '" + path
                            + "' (use root(...) for the root cgroup)");
        }
    }

    private static String checkPodUid(String uid) {
        if (uid == null || uid.length() < 8 || !POD_UID.matcher(uid).matches()) {
            throw new IllegalArgumentException(
                    "not a pod UID (hex digits and dashes, e.g. 0f6cbd87-5b9e-...): '" + uid + "'");
        }
        return uid;
    }
}
