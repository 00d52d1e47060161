package dev.hostkit.docker;

/**
 * The engine answered 404 Not Found: the container, image or exec named in the call does not exist.
 * Carries the engine's own {@code message}.
 */
public class DockerNotFoundException extends DockerException {
    private static final long serialVersionUID = 1L;

    /**
     * @param call the request
     * @param status the HTTP status
     * @param engineMessage the engine's message
     */
    public DockerNotFoundException(String call, int status, String engineMessage) {
        super(call, status, engineMessage, null);
    }
}
