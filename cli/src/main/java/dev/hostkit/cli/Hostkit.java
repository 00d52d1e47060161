package dev.hostkit.cli;

import dev.hostkit.core.Printable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The {@code hostkit} command: a host health report ({@code doctor}) and tools built on the library modules.
 * Usage errors print one line and a hint and exit 64; no error prints a stack trace unless {@code --debug} is given.
 */
@Command(
        name = "hostkit",
        mixinStandardHelpOptions = true,
        versionProvider = Hostkit.Version.class,
        description = "Host health and container networking tools.",
        footer = {"", "Bash completion: source <(hostkit completion)"})
public final class Hostkit implements Callable<Integer> {
    static final int EX_USAGE = 64;
    static final int EX_UNAVAILABLE = 69;
    static final int EX_SOFTWARE = 70;

    // The commands in usage order. Only the one named on the command line is built: picocli reads each command's
    // annotations when it is added, and a doctor run should not pay for guard's or docker's (nor load their classes).
    private static final List<String> COMMANDS = List.of("doctor", "cgroups", "docker", "guard", "completion", "help");

    private static Object command(String name) {
        return switch (name) {
            case "doctor" -> new DoctorCommand();
            case "cgroups" -> new CgroupsCommand();
            case "docker" -> new DockerCommand();
            case "guard" -> new GuardCommand();
            case "completion" -> new CompletionCommand();
            case "help" -> new CommandLine.HelpCommand();
            default -> throw new IllegalArgumentException("no command " + name);
        };
    }

    @Spec
    CommandSpec spec;

    // Read from the raw arguments (a usage error happens before picocli sets it); declared so it is accepted anywhere.
    @Option(names = "--debug", scope = ScopeType.INHERIT, description = "Print the stack trace of an error.")
    boolean debug;

    public static void main(String[] args) {
        // A node-problem-detector plugin run (a fresh process per check, every 30 s) skips picocli altogether, and
        // so does the guardian's deployed command line (a daemon keeps what it loads for months).
        NpdLaunch.Invocation npd = NpdLaunch.parse(args);
        // The command is the one place that picks the logging backend: naming it spares slf4j its ServiceLoader scan
        // of the 8 MB jar (about 25 ms of every fresh process), and quiets the line slf4j would print to say it was
        // named. A plugin logs nowhere unless --debug: NPD keeps stdout's one line only, and slf4j-simple's set-up
        // (its properties looked up in the jar) is another 20 ms of each run.
        if (System.getProperty("slf4j.provider") == null) {
            System.setProperty(
                    "slf4j.provider",
                    npd != null && !Arrays.asList(args).contains("--debug")
                            ? "org.slf4j.helpers.NOP_FallbackServiceProvider"
                            : "org.slf4j.simple.SimpleServiceProvider");
            if (System.getProperty("slf4j.internal.verbosity") == null) {
                System.setProperty("slf4j.internal.verbosity", "WARN");
            }
        }
        if (npd != null) {
            System.exit(NpdLaunch.run(npd, System.out, System.getenv()));
        }
        GuardDaemon.Options guard = GuardLaunch.parse(args);
        System.exit(guard != null ? GuardLaunch.run(guard, System.out, System.err) : run(System.out, System.err, args));
    }

    /**
     * Runs {@code hostkit ARGS...} printing to the given streams.
     *
     * @return the exit status
     */
    static int run(PrintStream out, PrintStream err, String... args) {
        String first = args.length > 0 ? args[0] : "";
        // completion and help describe every command; anything else needs only its own.
        boolean one = COMMANDS.contains(first) && !first.equals("completion") && !first.equals("help");
        Map<String, Object> commands = new LinkedHashMap<>();
        for (String name : COMMANDS) {
            if (!one || name.equals(first)) {
                commands.put(name, command(name));
            }
        }
        return run(commands, out, err, args);
    }

    /** Runs {@code hostkit NAME ARGS...} with a command object made by the caller (tests give it its facts). */
    static int run(String name, Object command, PrintStream out, PrintStream err, String... args) {
        String[] all = new String[args.length + 1];
        all[0] = name;
        System.arraycopy(args, 0, all, 1, args.length);
        return run(Map.of(name, command), out, err, all);
    }

    private static int run(Map<String, Object> commands, PrintStream out, PrintStream err, String[] args) {
        boolean debug = Arrays.asList(args).contains("--debug");
        PrintWriter o = new PrintWriter(out, true);
        PrintWriter e = new PrintWriter(err, true);
        try {
            CommandLine cl = new CommandLine(new Hostkit());
            for (Map.Entry<String, Object> c : commands.entrySet()) {
                cl.addSubcommand(c.getKey(), c.getValue());
            }
            cl.setOut(o)
                    .setErr(e)
                    // "@file" would read any file into the arguments, and echo it in an error: not for a root tool.
                    .setExpandAtFiles(false)
                    // "--state-dir --jsn" is a missing value, not a directory named "--jsn".
                    .setUnmatchedOptionsAllowedAsOptionParameters(false)
                    // As before picocli: a repeated flag is fine, the last value wins.
                    .setOverwrittenOptionsAllowed(true)
                    .setParameterExceptionHandler(usageError(debug))
                    .setExecutionExceptionHandler(failure(debug));
            return cl.execute(args);
        } catch (RuntimeException | LinkageError ex) {
            // Only when the command line itself cannot be built (a broken jar): still one line.
            e.println("hostkit: " + oneLine(ex));
            if (debug) {
                ex.printStackTrace(e);
            }
            return EX_SOFTWARE;
        } finally {
            o.flush();
            e.flush();
        }
    }

    @Override
    public Integer call() {
        throw new ParameterException(
                spec.commandLine(),
                "which command? " + String.join(", ", spec.subcommands().keySet()));
    }

    private static IParameterExceptionHandler usageError(boolean debug) {
        return (ex, args) -> {
            CommandLine cmd = ex.getCommandLine();
            String name = cmd.getCommandSpec().qualifiedName();
            cmd.getErr().println(name + ": " + Printable.escape(problem(ex)));
            cmd.getErr().println("Try '" + name + " --help' for usage.");
            if (debug) {
                ex.printStackTrace(cmd.getErr());
            }
            return EX_USAGE;
        };
    }

    private static IExecutionExceptionHandler failure(boolean debug) {
        return (ex, cmd, parsed) -> {
            cmd.getErr()
                    .println(cmd.getCommandSpec().qualifiedName() + ": " + Printable.escape(oneLine(ex))
                            + (debug ? "" : " (--debug shows where)"));
            if (debug) {
                ex.printStackTrace(cmd.getErr());
            }
            return EX_SOFTWARE;
        };
    }

    /** What was wrong with the command line, in this command's words where picocli's are about indexes. */
    private static String problem(ParameterException ex) {
        if (ex instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String arg = u.getUnmatched().get(0);
            if (!arg.startsWith("-")) {
                boolean root = ex.getCommandLine().getCommandSpec().parent() == null;
                return (root ? "unknown command '" : "unexpected argument '") + arg + "'";
            }
        }
        return oneLine(ex);
    }

    /** An exception's message on one line; its type when it has none, or when it is not a usage error. */
    static String oneLine(Throwable t) {
        String m = t.getMessage();
        String text = m == null || m.isBlank()
                ? t.getClass().getSimpleName()
                : t instanceof ParameterException ? m : t.getClass().getSimpleName() + ": " + m;
        return String.join("; ", text.strip().split("\\R+"));
    }

    /** {@code hostkit 0.1.0} from the jar's manifest. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Hostkit.class.getPackage().getImplementationVersion();
            return new String[] {"hostkit " + (v == null ? "(development build)" : v)};
        }
    }
}
