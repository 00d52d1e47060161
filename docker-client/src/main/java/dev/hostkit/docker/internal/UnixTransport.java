package dev.hostkit.docker.internal;

/** The two ways of reaching a unix socket; the public {@code Transport} maps onto these. */
public enum UnixTransport {
    /** jnr-unixsocket: one fd per connection, kernel read timeouts. */
    JNR,
    /** The JDK's own unix {@code SocketChannel}: no native library, one fd per connection. */
    JDK
}
