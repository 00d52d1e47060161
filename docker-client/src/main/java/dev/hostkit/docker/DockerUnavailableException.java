package dev.hostkit.docker;

/**
 * The engine could not be reached or went away mid-call: socket missing, permission denied,
 * connection refused or dropped. The message says which, and what to do about it.
 */
public class DockerUnavailableException extends DockerException {
    private static final long serialVersionUID = 1L;

    /**
     * @param call the request
     * @param reasonAndRemedy what failed and how to fix it
     * @param cause the I/O failure
     */
    public DockerUnavailableException(String call, String reasonAndRemedy, Throwable cause) {
        super(call, 0, reasonAndRemedy, cause);
    }
}
