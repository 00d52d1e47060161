package dev.hostkit.cli;

import sun.misc.Signal;

/**
 * Turns SIGTERM and SIGINT into a callback so the guard daemon closes its guardian on its main thread and exits 0,
 * rather than dying in a shutdown hook with status 143. Uses the JDK's supported-but-unofficial signal API
 * ({@code jdk.unsupported}); where it is missing, a shutdown hook runs the callback instead.
 */
final class GuardSignals {
    private GuardSignals() {}

    static void onTermination(Runnable callback) {
        try {
            Signal.handle(new Signal("TERM"), s -> callback.run());
            Signal.handle(new Signal("INT"), s -> callback.run());
        } catch (IllegalArgumentException | LinkageError e) {
            Runtime.getRuntime().addShutdownHook(new Thread(callback, "hostkit-guard-shutdown"));
        }
    }
}
