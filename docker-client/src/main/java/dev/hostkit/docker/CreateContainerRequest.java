package dev.hostkit.docker;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code POST /containers/create} needs: image, command, environment, labels and the basic host
 * settings. Immutable; build with {@link #builder(String)}. Environment values never appear in
 * {@link #toString()}.
 *
 * @param image image reference
 * @param name container name, or empty for an engine-chosen one
 * @param cmd command, or empty for the image's
 * @param entrypoint entry point, or empty for the image's
 * @param env environment variables
 * @param labels labels
 * @param networkMode {@code none}, {@code bridge}, {@code host}, {@code container:ID}, or empty for the default
 * @param tty allocate a TTY
 * @param user user, or empty
 * @param workingDir working directory, or empty
 * @param memoryBytes memory limit in bytes, 0 for none
 * @param autoRemove remove the container when it exits
 */
public record CreateContainerRequest(
        String image,
        String name,
        List<String> cmd,
        List<String> entrypoint,
        Map<String, String> env,
        Map<String, String> labels,
        String networkMode,
        boolean tty,
        String user,
        String workingDir,
        long memoryBytes,
        boolean autoRemove) {
    /** Canonical constructor; copies the collections. */
    public CreateContainerRequest {
        if (image == null || image.isBlank()) {
            throw new IllegalArgumentException("a container needs an image");
        }
        cmd = List.copyOf(cmd);
        entrypoint = List.copyOf(entrypoint);
        env = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(env));
        labels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    }

    /** A new builder for a container of {@code image}. */
    public static Builder builder(String image) {
        return new Builder(image);
    }

    @Override
    public String toString() {
        return "CreateContainerRequest[image=" + image + ", name=" + name + ", cmd=" + cmd + ", entrypoint="
                + entrypoint
                + ", env=" + env.keySet() + " (values redacted), labels=" + labels + ", networkMode=" + networkMode
                + ", tty=" + tty + ", user=" + user + ", workingDir=" + workingDir + ", memoryBytes=" + memoryBytes
                + ", autoRemove=" + autoRemove + "]";
    }

    /** Collects the parameters. */
    public static final class Builder {
        private final String image;
        private String name = "";
        private List<String> cmd = new ArrayList<>();
        private List<String> entrypoint = new ArrayList<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private final Map<String, String> labels = new LinkedHashMap<>();
        private String networkMode = "";
        private boolean tty;
        private String user = "";
        private String workingDir = "";
        private long memoryBytes;
        private boolean autoRemove;

        private Builder(String image) {
            this.image = image;
        }

        /** Container name (validated when sent). */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** Command and arguments. */
        public Builder cmd(String... cmd) {
            this.cmd = List.of(cmd);
            return this;
        }

        /** Entry point. */
        public Builder entrypoint(String... entrypoint) {
            this.entrypoint = List.of(entrypoint);
            return this;
        }

        /** Adds an environment variable. */
        public Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        /** Adds a label. */
        public Builder label(String key, String value) {
            labels.put(key, value);
            return this;
        }

        /** Network mode, e.g. {@code none}. */
        public Builder networkMode(String mode) {
            this.networkMode = mode;
            return this;
        }

        /** Allocate a TTY. */
        public Builder tty(boolean tty) {
            this.tty = tty;
            return this;
        }

        /** User to run as. */
        public Builder user(String user) {
            this.user = user;
            return this;
        }

        /** Working directory. */
        public Builder workingDir(String dir) {
            this.workingDir = dir;
            return this;
        }

        /** Memory limit in bytes. */
        public Builder memoryBytes(long bytes) {
            this.memoryBytes = bytes;
            return this;
        }

        /** Remove the container when it exits. */
        public Builder autoRemove(boolean on) {
            this.autoRemove = on;
            return this;
        }

        /** The request. */
        public CreateContainerRequest build() {
            return new CreateContainerRequest(
                    image,
                    name,
                    cmd,
                    entrypoint,
                    env,
                    labels,
                    networkMode,
                    tty,
                    user,
                    workingDir,
                    memoryBytes,
                    autoRemove);
        }
    }
}
