package dev.hostkit.netlink;

import dev.hostkit.core.Errno;
import dev.hostkit.core.NativeException;
import dev.hostkit.core.NetNamespace;
import dev.hostkit.core.internal.LibC;
import dev.hostkit.netlink.RtNetlink.CreateStep;
import dev.hostkit.netlink.internal.RtnlChannel;

import java.lang.ref.Reference;
import java.util.HexFormat;

import static dev.hostkit.netlink.internal.RtnlConstants.*;

// RtNetlink.createLink's steps and their rollback: the link is made here, or inside the target namespace under a
// temporary name and then renamed there; when a later step fails it is deleted again, by index once known.
final class LinkCreation {
    private LinkCreation() {}

    static Link create(RtNetlink here, LinkSpec spec, String temporaryName, RtNetlink inside, CreateStep.Hook faults) {
        LinkNames.check(temporaryName);
        if (spec.namespace() == null) {
            if (inside != null) {
                throw new IllegalArgumentException(
                        "'" + spec.name() + "' has no target namespace: a handle inside one is for links made there");
            }
            return createHere(here.channel(), here.where(), spec, faults);
        }
        NetNamespace target = spec.namespace();
        if (target.isClosed()) {
            throw new IllegalArgumentException("target namespace of '" + spec.name() + "' is closed: " + target.path());
        }
        if (inside != null) {
            NetNamespace in = inside.namespace();
            if (in.isClosed() || !in.id().equals(target.id())) {
                throw new IllegalArgumentException("the handle given for the steps inside " + target.path() + " ("
                        + target.id() + ") is " + (in.isClosed() ? "closed" : "in another namespace, " + in.id()));
            }
        }
        String temp = temporaryName;
        // The socket inside (unless the caller keeps one there) is opened first: when it cannot be, nothing has been
        // made yet.
        RtNetlink opened = inside == null ? RtNetlink.open(target) : null;
        try {
            RtNetlink in = inside == null ? opened : inside;
            faults.after(CreateStep.OPEN_TARGET_SOCKET);
            here.channel().ack(Requests.createLink(spec, temp, target.fd(), false));
            RtnlChannel channel = in.channel();
            int index = 0;
            try {
                faults.after(CreateStep.CREATE);
                Link made = RtnlReads.link(channel, 0, temp)
                        .orElseThrow(() -> new NetlinkException(
                                "create " + spec.kind().kindName(),
                                temp,
                                Errno.ENODEV.number(),
                                "not found in the target namespace after creation"));
                index = made.index();
                faults.after(CreateStep.FIND);
                channel.ack(Requests.changeLink(
                        index,
                        spec.bringUp() ? IFF_UP : 0,
                        spec.bringUp() ? IFF_UP : 0,
                        m -> m.attrString(IFLA_IFNAME, spec.name()),
                        "rename " + temp + " to " + spec.name(),
                        "in " + target.path()));
                faults.after(CreateStep.RENAME);
                Link result = RtnlReads.requireLink(channel, index, "read back " + spec.name());
                faults.after(CreateStep.READ_BACK);
                return result;
            } catch (RuntimeException e) {
                throw rollBack(channel, e, index, temp, "namespace " + target.path(), faults);
            }
        } finally {
            if (opened != null) {
                opened.close();
            }
            Reference.reachabilityFence(target); // its fd travels in the create request
        }
    }

    private static Link createHere(RtnlChannel channel, String where, LinkSpec spec, CreateStep.Hook faults) {
        channel.ack(Requests.createLink(spec, spec.name(), -1, spec.bringUp()));
        int index = 0;
        try {
            faults.after(CreateStep.CREATE);
            Link made = RtnlReads.link(channel, 0, spec.name())
                    .orElseThrow(() -> new NetlinkException(
                            "create " + spec.kind().kindName(),
                            spec.name(),
                            Errno.ENODEV.number(),
                            "link vanished right after creation"));
            index = made.index();
            faults.after(CreateStep.READ_BACK);
            return made;
        } catch (RuntimeException e) {
            throw rollBack(channel, e, index, spec.name(), where, faults);
        }
    }

    // Deletes the half-made link (by index when known, else by the name it was created with) and
    // returns the failure to throw: the original one, or one that says what the failed delete left.
    private static RuntimeException rollBack(
            RtnlChannel channel,
            RuntimeException failure,
            int index,
            String createdAs,
            String where,
            CreateStep.Hook faults) {
        try {
            faults.after(CreateStep.ROLLBACK);
            channel.ack(
                    index > 0 ? Requests.deleteLink(index, "index " + index) : Requests.deleteLinkByName(createdAs));
            return failure;
        } catch (RuntimeException cleanup) {
            if (cleanup instanceof NetlinkException n && n.errno() == Errno.ENODEV) {
                return failure; // already gone: nothing is left
            }
            String left = (index > 0 ? "link index " + index + " (created as " + createdAs + ")" : "link " + createdAs)
                    + " in " + where;
            String op = failure instanceof NativeException n ? n.operation() : "create link";
            return new NetlinkRollbackException(op, left, failure, cleanup);
        }
    }

    /** A name like {@code hkt1f2e3d4c5b6a}: 15 bytes, random, so it cannot collide with a real one. */
    static String temporaryName() {
        return "hkt" + HexFormat.of().formatHex(LibC.randomBytes(6));
    }
}
