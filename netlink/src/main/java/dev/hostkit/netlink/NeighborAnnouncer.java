package dev.hostkit.netlink;

import dev.hostkit.core.NetNamespace;
import dev.hostkit.netlink.internal.PacketSocket;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import static dev.hostkit.netlink.internal.RtnlConstants.IFF_NOARP;

/**
 * Tells a link's neighbours and switches where its addresses live now: an IPv4 gratuitous ARP and an IPv6
 * unsolicited neighbour advertisement (override set, to ff02::1) per address, sent from the link inside its
 * namespace through an {@code AF_PACKET} socket made there. AutoCloseable: the socket is released by
 * {@link #close()} on every path, and nothing is opened when there is nothing to announce.
 *
 * <p>Not announced, by rule ({@link #isAnnounceable}): link-local addresses (169.254/16, fe80::/10: nothing routes
 * to them, and the kernel makes the IPv6 one itself when the link comes up), loopback and multicast
 * addresses, addresses still tentative, optimistic or failed in duplicate address detection (announcing an
 * address the kernel may yet give up would poison caches), and every address of a link with {@code IFF_NOARP}
 * (ipvlan in L3/L3S mode: the slave has no neighbours of its own; its parent answers for it).
 *
 * <p>Use {@link #announce(NetNamespace, Link, List, Announcement)} for the whole sequence (it blocks for
 * {@code (count - 1) * spacing}), or {@link #open} and {@link #sendRound()} to send the first round at once and
 * schedule the later ones on a timer of your own, closing after the last.
 *
 * <pre>{@code
 * int frames = NeighborAnnouncer.announce(containerNs, eth1, inside.addresses(eth1.index()), Announcement.DEFAULT);
 * }</pre>
 */
public final class NeighborAnnouncer implements AutoCloseable {
    private final PacketSocket socket;
    private final int ifindex;
    private final List<Address> announced;
    private final List<byte[]> frames;

    private NeighborAnnouncer(PacketSocket socket, int ifindex, List<Address> announced, List<byte[]> frames) {
        this.socket = socket;
        this.ifindex = ifindex;
        this.announced = announced;
        this.frames = frames;
    }

    /**
     * Prepares the frames for the announceable addresses of {@code link} and, if there are any, opens a packet
     * socket inside {@code ns}. Everything is checked before anything is opened.
     *
     * @param ns the namespace the link lives in (not closed by this class)
     * @param link the link, as read in {@code ns} (its index and MAC are used)
     * @param addresses the link's addresses; the announceable ones are announced
     * @return the announcer; close it
     * @throws IllegalArgumentException for a closed namespace, a link without a 6-byte MAC while something is to be
     *         announced, or an address of another link
     */
    public static NeighborAnnouncer open(NetNamespace ns, Link link, List<Address> addresses) {
        if (ns == null || ns.isClosed()) {
            throw new IllegalArgumentException(
                    "cannot announce from a closed namespace" + (ns == null ? "" : ": " + ns.path()));
        }
        Objects.requireNonNull(link, "link");
        Objects.requireNonNull(addresses, "addresses");
        List<Address> chosen = new ArrayList<>();
        for (Address a : addresses) {
            if (a.linkIndex() != link.index()) {
                throw new IllegalArgumentException("address " + a.cidr() + " is on link index " + a.linkIndex()
                        + ", not on " + link.name() + " (index " + link.index() + ")");
            }
            if (isAnnounceable(link, a)) {
                chosen.add(a);
            }
        }
        if (chosen.isEmpty()) {
            return new NeighborAnnouncer(null, link.index(), List.of(), List.of());
        }
        if (link.mac() == null) {
            throw new IllegalArgumentException("link " + link.name() + " has no Ethernet address to announce");
        }
        List<byte[]> frames = new ArrayList<>(chosen.size());
        for (Address a : chosen) {
            frames.add(
                    a.address() instanceof Inet4Address v4
                            ? NeighborFrames.gratuitousArp(link.mac(), v4)
                            : NeighborFrames.unsolicitedNeighborAdvertisement(link.mac(), (Inet6Address) a.address()));
        }
        return new NeighborAnnouncer(
                PacketSocket.openSender(ns), link.index(), List.copyOf(chosen), List.copyOf(frames));
    }

    /**
     * Whether {@code address} on {@code link} is announced (see the class comment for the rules).
     *
     * @param link the link
     * @param address one of its addresses
     * @return true when it gets frames
     */
    public static boolean isAnnounceable(Link link, Address address) {
        InetAddress ip = address.address();
        if ((link.flags() & IFF_NOARP) != 0
                || ip.isLinkLocalAddress()
                || ip.isLoopbackAddress()
                || ip.isMulticastAddress()
                || ip.isAnyLocalAddress()) {
            return false;
        }
        return !address.has(AddressFlag.TENTATIVE)
                && !address.has(AddressFlag.OPTIMISTIC)
                && !address.has(AddressFlag.DADFAILED);
    }

    /**
     * Opens, announces {@code announcement.count()} rounds {@code announcement.spacing()} apart, and closes.
     * An interrupt stops it early (the thread's interrupt flag is kept).
     *
     * @param ns the namespace the link lives in
     * @param link the link, as read in {@code ns}
     * @param addresses the link's addresses
     * @param announcement count and spacing; {@link Announcement#OFF} sends nothing and opens nothing
     * @return the frames sent
     * @throws dev.hostkit.core.NativeException naming the link when the kernel refuses a frame (ENETDOWN: link down)
     */
    public static int announce(NetNamespace ns, Link link, List<Address> addresses, Announcement announcement) {
        if (announcement.count() == 0) {
            return 0;
        }
        try (NeighborAnnouncer a = open(ns, link, addresses)) {
            int sent = 0;
            for (int round = 0; round < announcement.count(); round++) {
                if (round > 0 && !announcement.spacing().isZero()) {
                    try {
                        Thread.sleep(announcement.spacing().toMillis());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
                sent += a.sendRound();
            }
            return sent;
        }
    }

    /** The addresses this announcer sends frames for (the announceable ones). */
    public List<Address> announced() {
        return announced;
    }

    /**
     * Sends one frame per announced address.
     *
     * @return the frames sent (0 when nothing is announced)
     * @throws dev.hostkit.core.NativeException naming the link when the kernel refuses a frame
     * @throws IllegalStateException after {@link #close()}
     */
    public int sendRound() {
        for (byte[] f : frames) {
            socket.send(f, ifindex);
        }
        return frames.size();
    }

    /** Closes the packet socket. Idempotent. */
    @Override
    public void close() {
        if (socket != null) {
            socket.close();
        }
    }
}
