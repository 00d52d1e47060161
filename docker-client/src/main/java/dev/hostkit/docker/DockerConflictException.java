package dev.hostkit.docker;

/**
 * The engine answered 409 Conflict: the object is in a state that forbids the call (name in use, container running).
 * Carries the engine's own {@code message}.
 */
public class DockerConflictException extends DockerException {
    private static final long serialVersionUID = 1L;

    /**
     * @param call the request
     * @param status the HTTP status
     * @param engineMessage the engine's message
     */
    public DockerConflictException(String call, int status, String engineMessage) {
        super(call, status, engineMessage, null);
    }
}
