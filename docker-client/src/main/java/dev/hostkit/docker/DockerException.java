package dev.hostkit.docker;

/**
 * A Docker Engine call that failed: which call ({@code GET /containers/abc/json}), the HTTP status if
 * the engine answered, and the engine's own {@code message}. Subclasses type the common causes.
 */
public class DockerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int status;
    private final String engineMessage;

    /**
     * @param call the request, e.g. {@code GET /containers/abc/json}
     * @param status the HTTP status, or 0 when the engine did not answer
     * @param engineMessage the engine's {@code message}, or why the call failed; may be empty
     * @param cause the underlying exception, or {@code null}
     */
    public DockerException(String call, int status, String engineMessage, Throwable cause) {
        super(call + ": " + (status > 0 ? status + " " : "") + (engineMessage == null ? "" : engineMessage), cause);
        this.call = call;
        this.status = status;
        this.engineMessage = engineMessage == null ? "" : engineMessage;
    }

    /** The failed request, e.g. {@code GET /containers/abc/json}. */
    public String call() {
        return call;
    }

    /** The HTTP status, or 0 when no response arrived. */
    public int status() {
        return status;
    }

    /** The engine's own error message (or, without a response, what went wrong). */
    public String engineMessage() {
        return engineMessage;
    }
}
