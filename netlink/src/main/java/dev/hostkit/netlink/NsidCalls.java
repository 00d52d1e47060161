package dev.hostkit.netlink;

import dev.hostkit.core.Errno;
import dev.hostkit.core.NetNamespace;
import dev.hostkit.netlink.internal.MessageParser;
import dev.hostkit.netlink.internal.RtnlChannel;

import java.lang.ref.Reference;

import static dev.hostkit.netlink.internal.RtnlConstants.*;

// The nsid requests behind RtNetlink.nsidOf and assignNsid: how one namespace numbers another (RTM_GETNSID,
// RTM_NEWNSID); the other namespace's fd travels in the request, so it is kept reachable until answered.
final class NsidCalls {
    private NsidCalls() {}

    static int nsidOf(RtnlChannel channel, NetNamespace other) {
        if (other == null || other.isClosed()) {
            throw new IllegalArgumentException("cannot look up the nsid of a closed namespace");
        }
        int fd = other.fd();
        try {
            return channel.get(
                    RTM_GETNSID,
                    m -> {
                        m.rtgenmsg(0);
                        m.attrU32(NETNSA_FD, fd);
                    },
                    MessageParser::nsid,
                    "get nsid",
                    other.path().toString());
        } finally {
            Reference.reachabilityFence(other); // its fd travels in the request
        }
    }

    static int assignNsid(RtnlChannel channel, NetNamespace other) {
        int known = nsidOf(channel, other);
        if (known >= 0) {
            return known;
        }
        int fd = other.fd();
        try {
            channel.ack(new RtnlChannel.Request(
                    RTM_NEWNSID,
                    0,
                    m -> {
                        m.rtgenmsg(0);
                        m.attrU32(NETNSA_FD, fd);
                        m.attrU32(NETNSA_NSID, NETNSA_NSID_NOT_ASSIGNED);
                    },
                    "assign nsid",
                    other.path().toString()));
        } catch (NetlinkException e) {
            if (e.errno() != Errno.EEXIST) { // someone else assigned one meanwhile
                throw e;
            }
        }
        return nsidOf(channel, other); // also keeps other reachable past the request that carried its fd
    }
}
