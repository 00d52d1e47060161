package dev.hostkit.docker;

/**
 * The engine answered 5xx: the engine failed while handling the call.
 * Carries the engine's own {@code message}.
 */
public class DockerServerException extends DockerException {
    private static final long serialVersionUID = 1L;

    /**
     * @param call the request
     * @param status the HTTP status
     * @param engineMessage the engine's message
     */
    public DockerServerException(String call, int status, String engineMessage) {
        super(call, status, engineMessage, null);
    }
}
