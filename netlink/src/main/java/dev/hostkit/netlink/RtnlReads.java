package dev.hostkit.netlink;

import dev.hostkit.core.Errno;
import dev.hostkit.netlink.internal.MessageParser;
import dev.hostkit.netlink.internal.RtnlChannel;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import static dev.hostkit.netlink.internal.RtnlConstants.*;

// RtNetlink's read side: the link, address and route dumps and the single-link get, filtered by the kernel where it
// supports strict checking and here as well, so the answer is the same either way.
final class RtnlReads {
    private RtnlReads() {}

    static void dumpLinks(RtnlChannel channel, Consumer<Link> sink, Runnable restart, String where) {
        channel.dump(
                RTM_GETLINK,
                m -> {
                    m.ifinfomsg(0, 0, 0, 0, 0);
                    m.attrU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
                },
                MessageParser::link,
                sink,
                restart,
                "list links",
                where);
    }

    // The link by index (0: by name), or empty when the kernel says there is none.
    static Optional<Link> link(RtnlChannel channel, int index, String name) {
        try {
            return Optional.of(channel.get(
                    RTM_GETLINK,
                    m -> {
                        m.ifinfomsg(0, 0, index, 0, 0);
                        if (name != null) {
                            m.attrString(IFLA_IFNAME, name);
                        }
                        m.attrU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
                    },
                    MessageParser::link,
                    "get link",
                    name != null ? name : "index " + index));
        } catch (NetlinkException e) {
            if (e.errno() == Errno.ENODEV) {
                return Optional.empty();
            }
            throw e;
        }
    }

    static Link requireLink(RtnlChannel channel, int index, String what) {
        return link(channel, index, null)
                .orElseThrow(() -> new NetlinkException(what, "index " + index, Errno.ENODEV.number(), null));
    }

    static List<Address> addresses(RtnlChannel channel, int linkIndex, String where) {
        List<Address> out = new ArrayList<>();
        int filter = channel.strictCheck() ? linkIndex : 0;
        channel.dump(
                RTM_GETADDR,
                m -> m.ifaddrmsg(0, 0, 0, 0, filter),
                MessageParser::address,
                a -> {
                    if (linkIndex == 0 || a.linkIndex() == linkIndex) {
                        out.add(a);
                    }
                },
                out::clear,
                "list addresses",
                linkIndex == 0 ? where : "index " + linkIndex);
        return out;
    }

    static List<Route> routes(RtnlChannel channel, int table, String where) {
        List<Route> out = new ArrayList<>();
        boolean filter = channel.strictCheck() && table != 0;
        channel.dump(
                RTM_GETROUTE,
                m -> {
                    m.rtmsg(0, 0, 0, 0, filter && table < 256 ? table : 0, 0, 0, 0, 0);
                    if (filter) {
                        m.attrU32(RTA_TABLE, table);
                    }
                },
                MessageParser::route,
                r -> {
                    if (table == 0 || r.table() == table) {
                        out.add(r);
                    }
                },
                out::clear,
                "list routes",
                table == 0 ? where : "table " + table);
        return out;
    }
}
