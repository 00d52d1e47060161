package dev.hostkit.docker.internal;

/** Finds the user's frame in a captured stack: the first one outside this client's own classes. */
public final class CallSite {
    private CallSite() {
    }

    /** The first frame not in the client itself, or "unknown". */
    public static String of(Throwable t) {
        for (StackTraceElement e : t.getStackTrace()) {
            String c = e.getClassName();
            if (!c.startsWith("dev.hostkit.docker.internal.") && !c.startsWith("dev.hostkit.docker.DockerClient")
                    && !c.startsWith("dev.hostkit.docker.DockerStream")) {
                return e.toString();
            }
        }
        return "unknown";
    }
}
