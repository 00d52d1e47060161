package com.example.agent;

import dev.hostkit.core.Errno;
import dev.hostkit.core.KernelVersion;
import dev.hostkit.core.NativeException;
import dev.hostkit.core.NetNamespace;
import dev.hostkit.docker.DockerClient;
import dev.hostkit.docker.DockerException;

import java.nio.file.Path;

/**
 * A tiny downstream agent: uses hostkit-docker-client (and hostkit-core through it) via the BOM with no other
 * configuration.
 */
public final class Agent {
    private Agent() {
    }

    /** Describes the kernel and whether a named namespace can be opened. */
    public static String describe(String namespace) {
        KernelVersion kernel = KernelVersion.current();
        try (NetNamespace ns = NetNamespace.open(Path.of("/var/run/netns", namespace))) {
            return "kernel " + kernel + ", namespace " + ns.id();
        } catch (NativeException e) {
            return "kernel " + kernel + ", " + (e.errno() == Errno.ENOENT ? "no namespace " + namespace : e.getMessage());
        }
    }

    /** One poll of the engine at {@code host}: its API version, or why it could not be asked. */
    public static String poll(String host) {
        try (DockerClient docker = DockerClient.builder().host(host).oneShot(true).build()) {
            return "engine API " + docker.ping().apiVersion();
        } catch (DockerException e) {
            return "engine unavailable: " + e.getMessage();
        }
    }

    public static void main(String[] args) {
        System.out.println(describe(args.length > 0 ? args[0] : "hk-consumer-none"));
        String host = System.getenv("DOCKER_HOST");
        if (host != null) {
            System.out.println(poll(host));
        }
    }
}
