/** hostkit doctor: the host survey as a library (checks, findings, the report and its renderings). */
module dev.hostkit.doctor {
    requires transitive dev.hostkit.guard;
    requires transitive dev.hostkit.cgroups;
    requires transitive dev.hostkit.docker;
    requires org.slf4j;
    requires com.fasterxml.jackson.databind;

    exports dev.hostkit.doctor;
}
