package dev.hostkit.netlink.internal;

import com.sun.jna.LastErrorException;
import dev.hostkit.core.Errno;
import dev.hostkit.core.NetNamespace;
import dev.hostkit.core.internal.LeakWatch;
import dev.hostkit.core.internal.LibC;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.hostkit.netlink.internal.RtnlConstants.ETH_P_ALL;
import static dev.hostkit.netlink.internal.RtnlConstants.SOCKADDR_LL_LEN;

/**
 * An {@code AF_PACKET}/{@code SOCK_RAW} socket made inside a network namespace: whole Ethernet frames out of a
 * link of that namespace, or (a capture) every frame a link sees. Usable from any thread once open; closed on
 * every path by its owner, and by the leak watch if it is dropped.
 */
public final class PacketSocket implements AutoCloseable {
    private final AtomicInteger fd;
    private final String where;
    private final LeakWatch.Watch leakWatch;

    private PacketSocket(int fd, String where) {
        AtomicInteger open = new AtomicInteger(fd);
        this.fd = open;
        this.where = where;
        this.leakWatch =
                LeakWatch.watch(this, "packet socket in " + where, () -> LibC.closeQuietly(open.getAndSet(-1)));
    }

    /**
     * A socket that only sends: protocol 0, so the kernel queues nothing to it.
     *
     * @param ns where the socket (and the links it sends on) lives
     * @return the open socket
     */
    public static PacketSocket openSender(NetNamespace ns) {
        String where = ns.path().toString();
        return new PacketSocket(ns.run(() -> socket(0, where)), where);
    }

    /**
     * A capture of every frame link {@code ifindex} sends or receives ({@code ETH_P_ALL}, bound to the link).
     *
     * @param ns where the link lives
     * @param ifindex the link's index there
     * @return the open socket
     */
    public static PacketSocket openCapture(NetNamespace ns, int ifindex) {
        String where = "index " + ifindex + " in " + ns.path();
        int fd = ns.run(() -> socket(Short.toUnsignedInt(Short.reverseBytes((short) ETH_P_ALL)), where));
        try {
            LibC.bind(fd, sockaddrLl(ETH_P_ALL, ifindex, null), SOCKADDR_LL_LEN);
        } catch (LastErrorException e) {
            LibC.closeQuietly(fd);
            throw LibC.failure("bind packet socket", where, e);
        }
        return new PacketSocket(fd, where);
    }

    private static int socket(int protocol, String where) {
        try {
            return LibC.socket(LibC.AF_PACKET, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC | LibC.SOCK_NONBLOCK, protocol);
        } catch (LastErrorException e) {
            throw LibC.failure("socket", "AF_PACKET in " + where, e);
        }
    }

    /** {@code struct sockaddr_ll}: family, protocol (network order), ifindex, hatype, pkttype, halen, addr[8]. */
    static byte[] sockaddrLl(int ethertype, int ifindex, byte[] destination) {
        ByteBuffer b = ByteBuffer.allocate(SOCKADDR_LL_LEN).order(ByteOrder.nativeOrder());
        b.putShort((short) LibC.AF_PACKET);
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) ethertype).order(ByteOrder.nativeOrder());
        b.putInt(ifindex).putShort((short) 0).put((byte) 0);
        if (destination != null) {
            b.put((byte) destination.length).put(destination);
        }
        return b.array();
    }

    /**
     * Sends one whole frame (Ethernet header included) out of link {@code ifindex}.
     *
     * @param frame the frame; its bytes 0..5 are the destination MAC, 12..13 the ethertype
     * @param ifindex the link, in the socket's namespace
     * @throws dev.hostkit.core.NativeException naming the link when the kernel refuses (ENETDOWN, ENXIO, ...)
     */
    public void send(byte[] frame, int ifindex) {
        int ethertype = ((frame[12] & 0xff) << 8) | (frame[13] & 0xff);
        byte[] addr = sockaddrLl(ethertype, ifindex, Arrays.copyOf(frame, 6));
        try {
            LibC.sendto(fd(), frame, frame.length, 0, addr, addr.length);
        } catch (LastErrorException e) {
            throw LibC.failure("send frame", "index " + ifindex + " in " + where, e);
        }
    }

    /**
     * The next captured frame, waiting up to {@code timeout}.
     *
     * @param timeout how long to wait
     * @return the frame, or {@code null} when none came in time
     */
    public byte[] receive(Duration timeout) {
        byte[] buf = new byte[65536];
        long deadline = System.nanoTime() + timeout.toNanos();
        int[] pollFd = new int[2];
        while (true) {
            try {
                long n = LibC.recvfrom(fd(), buf, buf.length, LibC.MSG_DONTWAIT, null, null);
                return Arrays.copyOf(buf, (int) n);
            } catch (LastErrorException e) {
                if (LibC.errno(e) != Errno.EAGAIN.number()) { // nothing queued yet
                    throw LibC.failure("receive frame", where, e);
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            pollFd[0] = fd();
            pollFd[1] = LibC.POLLIN;
            try {
                LibC.poll(pollFd, 1, (int) Math.max(1, left / 1_000_000));
            } catch (LastErrorException e) {
                if (LibC.errno(e) != Errno.EINTR.number()) { // interrupted: look again
                    throw LibC.failure("poll", where, e);
                }
            }
        }
    }

    private int fd() {
        int f = fd.get();
        if (f < 0) {
            throw new IllegalStateException("packet socket in " + where + " is closed");
        }
        return f;
    }

    /** Closes the socket. Idempotent. */
    @Override
    public void close() {
        leakWatch.closed();
        LibC.closeQuietly(fd.getAndSet(-1));
    }
}
