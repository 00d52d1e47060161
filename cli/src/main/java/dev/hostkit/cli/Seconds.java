package dev.hostkit.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

import java.time.Duration;

/** A {@code --...-seconds} option's value as a duration, or a usage error (exit 64) naming the option and the bounds. */
final class Seconds {
    private Seconds() {}

    static Duration of(CommandSpec spec, String option, double seconds, double min, double max) {
        try {
            return of(option, seconds, min, max);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** The same without picocli: the message of the usage error as an IllegalArgumentException. */
    static Duration of(String option, double seconds, double min, double max) {
        if (!(seconds >= min && seconds <= max)) {
            throw new IllegalArgumentException(option + " must be a number of seconds in " + plain(min) + ".."
                    + plain(max) + ", was " + plain(seconds));
        }
        return Duration.ofMillis(Math.round(seconds * 1000));
    }

    private static String plain(double v) {
        return v == Math.rint(v) && !Double.isInfinite(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
