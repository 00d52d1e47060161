package dev.hostkit.docker;

/**
 * A call that ran out of time: not complete within its total deadline (the client's call timeout, however
 * slowly the engine sent bytes); no response within the read timeout; no connection within the
 * connect timeout (the engine's socket exists but its listen backlog is full: it does not accept); or
 * no pooled connection free within the acquire timeout (the message then says how many are held and by what).
 */
public class DockerTimeoutException extends DockerException {
    private static final long serialVersionUID = 1L;

    /**
     * @param call the request
     * @param what which timeout fired and its value
     * @param cause the underlying exception
     */
    public DockerTimeoutException(String call, String what, Throwable cause) {
        super(call, 0, what, cause);
    }
}
