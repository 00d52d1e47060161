/** hostkit guard: the macvlan guardian. */
module dev.hostkit.guard {
    requires transitive dev.hostkit.netlink;
    requires transitive dev.hostkit.core;
    requires org.slf4j;
    requires com.sun.jna;
    requires com.fasterxml.jackson.core;

    exports dev.hostkit.guard;
}
