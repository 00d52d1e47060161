/** hostkit core: native calls, errno, namespaces, /proc readers. */
module dev.hostkit.core {
    requires com.sun.jna;
    requires org.slf4j;

    exports dev.hostkit.core;
    exports dev.hostkit.core.internal to
            dev.hostkit.netlink,
            dev.hostkit.guard,
            dev.hostkit.cgroups,
            dev.hostkit.docker;
    // JNA direct mapping binds LibC's native methods reflectively.
    opens dev.hostkit.core.internal to
            com.sun.jna;
}
