/** hostkit cgroups: memory and kmem cgroup inspection, census, diagnosis. */
module dev.hostkit.cgroups {
    requires transitive dev.hostkit.core;
    requires org.slf4j;

    exports dev.hostkit.cgroups;
}
