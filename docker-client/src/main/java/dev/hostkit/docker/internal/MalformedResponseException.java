package dev.hostkit.docker.internal;

import dev.hostkit.docker.DockerException;

/** The engine (or something posing as it) answered with a body this client cannot read. */
public final class MalformedResponseException extends DockerException {
    private static final long serialVersionUID = 1L;

    public MalformedResponseException(String call, String what, Throwable cause) {
        super(call, 0, what, cause);
    }
}
