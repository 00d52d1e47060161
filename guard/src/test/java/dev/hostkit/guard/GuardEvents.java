package dev.hostkit.guard;

import dev.hostkit.guard.GuardEvent.Type;

import java.util.List;
import java.util.function.Predicate;

/** Waiting on and counting a running guardian's events, as its tests collect them through a listener. */
final class GuardEvents {
    private GuardEvents() {}

    /** Waits up to 20 s until {@code until} holds for the events so far; the failure lists them. */
    static void await(List<GuardEvent> events, String what, Predicate<List<GuardEvent>> until)
            throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!until.test(events)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; events: " + events);
            }
            Thread.sleep(5);
        }
    }

    static long count(List<GuardEvent> events, Type type) {
        return events.stream().filter(e -> e.type() == type).count();
    }
}
