package dev.hostkit.guard;

/**
 * Receives the guardian's events. Called from guardian threads, possibly several at once, so implementations
 * must be thread-safe and quick; an exception thrown here is logged and does not disturb the guardian.
 */
@FunctionalInterface
public interface GuardListener {
    /**
     * One event.
     *
     * @param event what happened
     */
    void onEvent(GuardEvent event);
}
