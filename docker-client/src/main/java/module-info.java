/** hostkit docker-client: a Docker Engine client over the unix socket that cannot leak connections. */
module dev.hostkit.docker {
    requires transitive dev.hostkit.core;
    requires org.slf4j;
    requires org.apache.httpcomponents.client5.httpclient5;
    requires org.apache.httpcomponents.core5.httpcore5;
    requires com.fasterxml.jackson.databind;
    // The JNR transport is optional: selected only when jnr-unixsocket is present.
    requires static org.jnrproject.unixsocket;

    exports dev.hostkit.docker;
    // Jackson binds the engine's JSON into these records.
    opens dev.hostkit.docker to
            com.fasterxml.jackson.databind;
    opens dev.hostkit.docker.internal to
            com.fasterxml.jackson.databind;
}
