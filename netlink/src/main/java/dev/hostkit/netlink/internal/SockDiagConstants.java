package dev.hostkit.netlink.internal;

/**
 * The sock_diag and unix_diag constants hostkit uses, named exactly as the kernel's uapi headers name them
 * ({@code linux/sock_diag.h}, {@code linux/unix_diag.h}, {@code linux/net.h}, {@code net/tcp_states.h}).
 * This is the only place these numbers are written down.
 */
public final class SockDiagConstants {
    private SockDiagConstants() {}

    // linux/sock_diag.h
    public static final int SOCK_DIAG_BY_FAMILY = 20;

    // linux/unix_diag.h: struct unix_diag_req (24 bytes) and struct unix_diag_msg (16 bytes)
    public static final int UNIX_DIAG_REQ_LEN = 24;
    public static final int UNIX_DIAG_MSG_LEN = 16;

    public static final int UDIAG_SHOW_NAME = 0x01;
    public static final int UDIAG_SHOW_VFS = 0x02;
    public static final int UDIAG_SHOW_PEER = 0x04;
    public static final int UDIAG_SHOW_ICONS = 0x08;
    public static final int UDIAG_SHOW_RQLEN = 0x10;
    public static final int UDIAG_SHOW_MEMINFO = 0x20;
    public static final int UDIAG_SHOW_UID = 0x40;

    public static final int UNIX_DIAG_NAME = 0;
    public static final int UNIX_DIAG_VFS = 1;
    public static final int UNIX_DIAG_PEER = 2;
    public static final int UNIX_DIAG_ICONS = 3;
    public static final int UNIX_DIAG_RQLEN = 4;
    public static final int UNIX_DIAG_MEMINFO = 5;
    public static final int UNIX_DIAG_SHUTDOWN = 6;
    public static final int UNIX_DIAG_UID = 7;

    // linux/net.h socket types
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_SEQPACKET = 5;

    // net/tcp_states.h: unix sockets use these for sk_state
    public static final int TCP_ESTABLISHED = 1;
    public static final int TCP_CLOSE = 7;
    public static final int TCP_LISTEN = 10;

    // linux/net.h: socket_state, and __SO_ACCEPTCON, as /proc/net/unix prints them
    public static final int SS_CONNECTED = 3;
    public static final int SO_ACCEPTCON = 1 << 16;
}
