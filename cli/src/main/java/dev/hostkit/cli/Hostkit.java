package dev.hostkit.cli;

import java.util.Arrays;

/** The {@code hostkit} command: a host health report ({@code doctor}) and tools built on the library modules. */
public final class Hostkit {
    private Hostkit() {
    }

    public static void main(String[] args) {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help") || args[0].equals("help")) {
            usage();
            System.exit(args.length == 0 ? 64 : 0);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        int status = switch (args[0]) {
            case "doctor" -> DoctorCommand.run(rest);
            case "cgroups" -> CgroupsCommand.run(rest);
            case "docker" -> DockerCommand.run(rest);
            case "guard" -> GuardCommand.run(rest);
            default -> {
                System.err.println("hostkit: unknown command '" + args[0] + "'");
                usage();
                yield 64;
            }
        };
        System.exit(status);
    }

    private static void usage() {
        System.err.println("""
                usage: hostkit <command> [options]
                  doctor [--json] [--metrics-file FILE] [--state-dir DIR]
                  doctor --check MacvlanLost|MemcgIdPressure|DockerEngineDown|DockerSocketLeak --npd [--state-dir DIR] [--root DIR]
                                      one check as a node-problem-detector plugin: one line, exit 0 ok, 1 problem, 2 unknown
                                      host health report: kernel, cgroups, Docker, fds
                  cgroups [--json] [--top N] [--root DIR]
                                      memory cgroup census, kmem verdict, orphans
                  cgroups reclaim [--dry-run] [--drop-caches] [--remove-orphans] [--json] [--step-timeout 10s]
                        [--under CGROUP] [--root DIR]
                                      free dying memory cgroups (force_empty/memory.reclaim orphans, drop_caches)
                  docker ps [--all] [--json] [--host unix:///path]
                  docker events [--json] [--host unix:///path]
                  guard --state-dir DIR [--parent NAME]... [--resync-seconds N] [--once] [--metrics-file FILE] [--netns PATH]...
                        [--recreate-vlan-parents]
                                      keep containers' macvlans alive across parent loss
                """);
    }
}
