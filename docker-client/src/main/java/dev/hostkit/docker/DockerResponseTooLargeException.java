package dev.hostkit.docker;

/**
 * A response body over the client's limit for its kind of call (see {@link DockerClient.Builder#maxListBytes} and
 * {@link DockerClient.Builder#maxObjectBytes}): refused before or while reading, never held in memory whole.
 */
public class DockerResponseTooLargeException extends DockerException {
    private static final long serialVersionUID = 1L;

    private final long size;
    private final long limit;

    /**
     * @param call the request
     * @param size the size the engine announced ({@code Content-Length}), or -1 when it sent more than the limit without
     *             announcing a size
     * @param limit the limit in bytes
     */
    public DockerResponseTooLargeException(String call, long size, long limit) {
        super(
                call,
                0,
                (size >= 0
                                ? "the response body is " + size + " bytes"
                                : "the response body is longer than " + limit + " bytes")
                        + ", over this client's limit of " + limit
                        + " bytes for this call (raise it on the builder if the engine really has that much to say)",
                null);
        this.size = size;
        this.limit = limit;
    }

    /** The announced size in bytes, or -1 when it was not announced. */
    public long size() {
        return size;
    }

    /** The limit the body ran over. */
    public long limit() {
        return limit;
    }
}
