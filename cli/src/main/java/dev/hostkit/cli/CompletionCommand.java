package dev.hostkit.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * {@code hostkit completion}: prints the bash (and zsh, via bashcompinit) completion script picocli generates from
 * the commands' own declarations, so it never disagrees with them.
 */
@Command(
        name = "completion",
        mixinStandardHelpOptions = true,
        versionProvider = Hostkit.Version.class,
        description = {"Prints the bash completion script.", "Use: source <(hostkit completion)"})
final class CompletionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine()
                .getOut()
                .print(AutoComplete.bash("hostkit", spec.root().commandLine()));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
