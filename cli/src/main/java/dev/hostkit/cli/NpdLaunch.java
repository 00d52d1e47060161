package dev.hostkit.cli;

import java.io.PrintStream;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The short way into {@code hostkit doctor --check NAME --npd}: node-problem-detector starts a fresh process for each
 * check on every node every 30 s, so an exact plugin command line is read here by hand, without picocli (its
 * classes, its annotation reflection and lambdas are half of such a process's start-up). Guarantees the same answer
 * as {@link DoctorCommand}: both go through {@link NpdCheck#answer}; anything else on the command line (another
 * option, {@code --opt=value}, a value that looks like an option, {@code --help}) is left to picocli.
 */
final class NpdLaunch {
    private NpdLaunch() {}

    /** The options of a plugin command line: the check's name, {@code --root} and {@code --state-dir} (or null). */
    record Invocation(String check, String root, Path stateDir) {}

    /**
     * Reads {@code doctor --check NAME --npd [--root DIR] [--state-dir DIR] [--debug]}, in any order after
     * {@code doctor}; the last of a repeated option wins, as picocli is told.
     *
     * @return the invocation, or null when the arguments are anything else
     */
    static Invocation parse(String[] args) {
        if (args.length < 4 || !args[0].equals("doctor")) {
            return null;
        }
        boolean npd = false;
        String check = null;
        String root = null;
        String stateDir = null;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--npd" -> npd = true;
                case "--debug" -> {}
                case "--check", "--root", "--state-dir" -> {
                    if (i + 1 == args.length || args[i + 1].startsWith("-")) {
                        return null; // picocli says what is missing
                    }
                    String v = args[++i];
                    if (a.equals("--check")) {
                        check = v;
                    } else if (a.equals("--root")) {
                        root = v;
                    } else {
                        stateDir = v;
                    }
                }
                default -> {
                    return null;
                }
            }
        }
        if (!npd || check == null) {
            return null;
        }
        try {
            return new Invocation(check, root, stateDir == null ? null : Path.of(stateDir));
        } catch (InvalidPathException e) {
            return null; // picocli's conversion error
        }
    }

    /** Runs the check, prints its line and returns NPD's exit status. */
    static int run(Invocation inv, PrintStream out, Map<String, String> env) {
        NpdCheck.Answer a = NpdCheck.answer(inv.check(), inv.root(), inv.stateDir(), env);
        out.println(a.line());
        out.flush();
        return a.status();
    }
}
