package dev.hostkit.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command and captures its output: the tests' way to ask real peers ({@code ip}, {@code docker}).
 *
 * <pre>{@code
 * String links = Sh.run("ip", "-o", "link", "show");             // fails with the command, status and stderr
 * Sh.Result r = Sh.exec("ip", "link", "show", "hknope");        // never fails: look at r.ok(), r.stderr()
 * assertThat(r.ok()).isFalse();
 * }</pre>
 */
public final class Sh {
    private Sh() {}

    /**
     * The result of a command.
     *
     * @param command what ran
     * @param exitCode its exit status
     * @param stdout standard output
     * @param stderr standard error
     */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        /** True when the exit status was 0. */
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /**
     * Runs {@code command} and returns its output; fails with the command, status and stderr when it exits non-zero.
     *
     * @param command the program and its arguments
     * @return standard output
     */
    public static String run(String... command) {
        Result r = exec(command);
        if (!r.ok()) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + r.exitCode() + ": "
                    + r.stderr().strip());
        }
        return r.stdout();
    }

    /**
     * Runs {@code command} (at most 5 minutes) and returns whatever happened, success or not.
     *
     * @param command the program and its arguments
     * @return exit status and output
     */
    public static Result exec(String... command) {
        return exec(null, command);
    }

    /**
     * Like {@link #exec(String...)}, writing {@code stdin} to the command's standard input.
     *
     * @param stdin bytes for the command's standard input, or {@code null}
     * @param command the program and its arguments
     * @return exit status and output
     */
    public static Result exec(byte[] stdin, String... command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        try {
            Process p = pb.start();
            CompletableFuture<String> out = drain(p.getInputStream());
            CompletableFuture<String> err = drain(p.getErrorStream());
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            }
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish in 5 minutes");
            }
            return new Result(List.of(command), p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", command), e);
        }
    }

    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try (in) {
                        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        return "";
                    }
                },
                r -> {
                    Thread t = new Thread(r, "hostkit-testkit-drain");
                    t.setDaemon(true);
                    t.start();
                });
    }

    /** The absolute path of {@code command} on the PATH, or {@code null}. */
    public static Path which(String command) {
        String path =
                System.getenv().getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        List<String> dirs = new ArrayList<>(List.of(path.split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin"));
        for (String dir : dirs) {
            Path p = Path.of(dir, command);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
