package dev.hostkit.benchmarks.sockdiag;

import dev.hostkit.core.ProcFs;
import dev.hostkit.core.ProcessInfo;
import dev.hostkit.core.SocketOwners;
import dev.hostkit.netlink.SockDiag;
import dev.hostkit.netlink.UnixSocket;
import dev.hostkit.testkit.LeakyClient;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * hostkit's unix socket survey against {@code ss -x -a -p -n} on the same host, side by side in one run: every unix
 * socket with its peer and owning processes. A child process holds N/2 socket pairs (N sockets) for the duration.
 * hostkit runs in-process after warm-up: one {@link SockDiag#unixSockets()} dump, one {@link SocketOwners#scan()},
 * then every socket joined to its owners, each owning process described once ({@link ProcessInfo#read}: comm,
 * cmdline, cgroup, start time; more than ss reads). Owners come from the BPF task_file iterator where the kernel
 * has it (else the /proc scan on up to 4 threads); a second hostkit row reads them by the /proc scan on the calling
 * thread alone. CPU time is the whole JVM's for the parallel row. ss runs as a process timed from fork to exit, output discarded.
 * With {@code --once}, does one hostkit survey and exits (to time a fresh JVM, as a fresh CLI would pay).
 *
 * <p>Run as root: {@code java -cp ... dev.hostkit.benchmarks.sockdiag.SockDiagVsSsBenchmark [sockets] [rounds]}.
 */
public final class SockDiagVsSsBenchmark {
    private SockDiagVsSsBenchmark() {}

    /** What one survey found, to check both sides did the whole job. */
    record Result(int sockets, int withPeer, int owned, int processes) {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--clients")) {
            clients(Path.of(args[1]), Integer.parseInt(args[2]), args.length > 3 ? Integer.parseInt(args[3]) : 15);
            return;
        }
        if (args.length > 0 && args[0].equals("--once")) {
            long t0 = System.nanoTime();
            Result r = survey(true);
            System.out.printf(
                    Locale.ROOT,
                    "once: %s in %.1f ms (in-JVM part; owners %.1f ms, read by %s)%n",
                    r,
                    (System.nanoTime() - t0) / 1e6,
                    lastOwnersMillis,
                    lastReader);
            return;
        }
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        Process holder = new ProcessBuilder(
                        "python3",
                        "-c",
                        String.join(
                                "\n",
                                "import resource, socket, sys",
                                "hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]",
                                "resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))",
                                "pairs = [socket.socketpair() for _ in range(" + n / 2 + ")]",
                                "print('ready', flush=True)",
                                "sys.stdin.read()"))
                .redirectErrorStream(true)
                .start();
        try {
            String ready = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            if (!"ready".equals(ready)) {
                throw new IllegalStateException("the socket holder did not start: " + ready);
            }
            System.out.printf(
                    Locale.ROOT,
                    "kernel %s, %s, holder pid %d with %d sockets, %d rounds%n",
                    Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip(),
                    ssVersion(),
                    holder.pid(),
                    n,
                    rounds);
            for (int i = 0; i < 5; i++) { // warm-up: JIT for hostkit, page cache for ss
                survey(true);
                survey(false);
                ss();
            }
            String loadBefore = load();
            java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
            double[] hkCpu = new double[rounds];
            double[] hkUser = new double[rounds];
            double[] ssCpu = new double[rounds];
            double[] hk = new double[rounds];
            double[] hkOne = new double[rounds];
            double[] hkOneCpu = new double[rounds];
            com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            double[] dumpOnly = new double[rounds];
            double[] ssp = new double[rounds];
            Result last = null;
            for (int r = 0; r < rounds; r++) {
                // CPU of the whole JVM (the scan's threads included; JIT and GC too, in 10 ms ticks here).
                long c0 = os.getProcessCpuTime();
                long u0 = cpu.getCurrentThreadUserTime();
                long t0 = System.nanoTime();
                last = survey(true);
                hk[r] = (System.nanoTime() - t0) / 1e6;
                hkCpu[r] = (os.getProcessCpuTime() - c0) / 1e6;
                hkUser[r] = (cpu.getCurrentThreadUserTime() - u0) / 1e6;
                c0 = cpu.getCurrentThreadCpuTime();
                t0 = System.nanoTime();
                survey(false);
                hkOne[r] = (System.nanoTime() - t0) / 1e6;
                hkOneCpu[r] = (cpu.getCurrentThreadCpuTime() - c0) / 1e6;
                t0 = System.nanoTime();
                try (SockDiag diag = SockDiag.open()) {
                    diag.unixSockets();
                }
                dumpOnly[r] = (System.nanoTime() - t0) / 1e6;
                double[] w = ss();
                ssp[r] = w[0];
                ssCpu[r] = w[1];
            }
            System.out.println(
                    "hostkit found: " + last + ", ss lines: " + ssLines() + "; owners read by " + lastReader);
            double h = median(hk);
            double s = median(ssp);
            System.out.printf(
                    Locale.ROOT,
                    "hostkit dump+owners+processes: median %.1f ms (min %.1f, max %.1f)%n",
                    h,
                    min(hk),
                    max(hk));
            System.out.printf(
                    Locale.ROOT,
                    "hostkit, /proc scan, 1 thread: median %.1f ms (min %.1f, max %.1f), CPU %.1f ms%n",
                    median(hkOne),
                    min(hkOne),
                    max(hkOne),
                    median(hkOneCpu));
            System.out.printf(Locale.ROOT, "hostkit dump only:             median %.1f ms%n", median(dumpOnly));
            System.out.printf(
                    Locale.ROOT,
                    "ss -x -a -p -n:                median %.1f ms (min %.1f, max %.1f)%n",
                    s,
                    min(ssp),
                    max(ssp));
            System.out.printf(
                    Locale.ROOT,
                    "CPU time (user+sys): hostkit %.1f ms (user %.1f), ss %.1f ms; ratio %.2f%n",
                    median(hkCpu),
                    median(hkUser),
                    median(ssCpu),
                    median(hkCpu) / median(ssCpu));
            System.out.printf(
                    Locale.ROOT,
                    "ratio hostkit/ss (wall): %.2f; /proc scan on one thread: %.2f; load average %s before, %s after%n",
                    h / s,
                    median(hkOne) / s,
                    loadBefore,
                    load());
        } finally {
            holder.destroyForcibly();
            holder.waitFor(10, TimeUnit.SECONDS);
        }
    }

    // The doctor's case: a client holding `connections` to the engine socket; time UnixSocketClients.survey.
    private static void clients(Path socket, int connections, int rounds) throws Exception {
        try (LeakyClient leaker = new LeakyClient(socket);
                SockDiag diag = SockDiag.open()) {
            leaker.open(connections, "idle");
            for (int i = 0; i < 5; i++) {
                dev.hostkit.netlink.UnixSocketClients.survey(diag, ProcFs.system(), socket);
            }
            double[] t = new double[rounds];
            dev.hostkit.netlink.UnixSocketClients.Survey last = null;
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                last = dev.hostkit.netlink.UnixSocketClients.survey(diag, ProcFs.system(), socket);
                t[r] = (System.nanoTime() - t0) / 1e6;
            }
            System.out.printf(
                    Locale.ROOT,
                    "clients of %s: %d connections, top %s x%d; survey median %.1f ms (min %.1f, max %.1f)%n",
                    socket,
                    last.connections(),
                    last.clients().get(0).process().comm(),
                    last.clients().get(0).connections(),
                    median(t),
                    min(t),
                    max(t));
        }
    }

    private static SocketOwners.Reader lastReader;
    private static double lastOwnersMillis;

    /**
     * One survey; {@code parallel}: owners as {@link SocketOwners#scan()} finds them by default (the BPF iterator where
     * the kernel has it, else the /proc scan on up to 4 threads; {@code -Dhostkit.bpf=false} turns BPF off), else by
     * the /proc scan on the calling thread.
     */
    static Result survey(boolean parallel) {
        List<UnixSocket> sockets;
        try (SockDiag diag = SockDiag.open()) {
            sockets = diag.unixSockets();
        }
        long t0 = System.nanoTime();
        SocketOwners owners;
        if (parallel) {
            owners = SocketOwners.scan();
        } else {
            // The /proc scan on the calling thread, side by side with the default in the same run.
            String bpf = System.getProperty("hostkit.bpf");
            System.setProperty("hostkit.bpf", "false");
            try {
                owners = SocketOwners.scan(ProcFs.system(), null, java.util.Set.of());
            } finally {
                if (bpf == null) {
                    System.clearProperty("hostkit.bpf");
                } else {
                    System.setProperty("hostkit.bpf", bpf);
                }
            }
        }
        if (parallel) {
            lastOwnersMillis = (System.nanoTime() - t0) / 1e6;
            lastReader = owners.reader(); // what the default survey used
        }
        Map<Integer, Optional<ProcessInfo>> processes = new HashMap<>();
        int withPeer = 0;
        int owned = 0;
        for (UnixSocket s : sockets) {
            if (s.peerInode() != 0) {
                withPeer++;
            }
            List<Integer> pids = owners.pidsOf(s.inode());
            if (!pids.isEmpty()) {
                owned++;
            }
            for (int pid : pids) {
                processes.computeIfAbsent(pid, p -> ProcessInfo.read(ProcFs.system(), p));
            }
        }
        return new Result(sockets.size(), withPeer, owned, processes.size());
    }

    // {wall ms, cpu ms}: wall from fork to exit of /usr/bin/time running ss; CPU (user+sys, 10 ms ticks) as time
    // reports it.
    private static double[] ss() throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("/usr/bin/time", "-f", "%U %S", "ss", "-x", "-a", "-p", "-n")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        String times = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("ss failed: " + p.exitValue() + " " + times);
        }
        double wall = (System.nanoTime() - t0) / 1e6;
        String[] f = times.substring(times.lastIndexOf('\n') + 1).split(" ");
        return new double[] {wall, (Double.parseDouble(f[0]) + Double.parseDouble(f[1])) * 1000};
    }

    private static long ssLines() throws Exception {
        Process p = new ProcessBuilder("ss", "-x", "-a", "-p", "-n", "-H")
                .redirectErrorStream(true)
                .start();
        long lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))
                .lines()
                .count();
        p.waitFor();
        return lines;
    }

    private static String ssVersion() throws Exception {
        Process p = new ProcessBuilder("ss", "-V").redirectErrorStream(true).start();
        String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor();
        return v;
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(0);
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElse(0);
    }
}
