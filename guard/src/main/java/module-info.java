/** hostkit guard: the macvlan guardian. */
module dev.hostkit.guard {
    requires transitive dev.hostkit.netlink;
    requires transitive dev.hostkit.core;
    requires org.slf4j;
    requires com.sun.jna;
    requires com.fasterxml.jackson.databind;

    exports dev.hostkit.guard;
    // The state-file records are package-private; Jackson binds them.
    opens dev.hostkit.guard to
            com.fasterxml.jackson.databind;
}
