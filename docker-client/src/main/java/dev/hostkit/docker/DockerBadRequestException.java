package dev.hostkit.docker;

/**
 * The engine answered 400 Bad Request: the engine rejected the parameters (or this client's API version).
 * Carries the engine's own {@code message}.
 */
public class DockerBadRequestException extends DockerException {
    private static final long serialVersionUID = 1L;

    /**
     * @param call the request
     * @param status the HTTP status
     * @param engineMessage the engine's message
     */
    public DockerBadRequestException(String call, int status, String engineMessage) {
        super(call, status, engineMessage, null);
    }
}
