/** hostkit netlink: typed rtnetlink. */
module dev.hostkit.netlink {
    requires transitive dev.hostkit.core;
    requires com.sun.jna;
    requires org.slf4j;

    exports dev.hostkit.netlink;
    exports dev.hostkit.netlink.internal to
            dev.hostkit.guard;
}
