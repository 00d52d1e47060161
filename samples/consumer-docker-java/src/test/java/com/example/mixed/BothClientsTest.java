package com.example.mixed;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import dev.hostkit.docker.DockerClient;
import dev.hostkit.docker.Version;
import dev.hostkit.testkit.docker.FakeDockerEngine;
import dev.hostkit.testkit.docker.Reply;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** hostkit's Docker client and docker-java in one JVM, one classpath, Jackson as hostkit-bom lines it up. */
class BothClientsTest {
    @Test
    void hostkitClientParsesAnEngineReplyWhileDockerJavaIsOnTheClasspath() {
        String version = "{\"Version\":\"20.10.24\",\"ApiVersion\":\"1.41\",\"Os\":\"linux\"}";
        try (FakeDockerEngine engine = FakeDockerEngine.start().on("GET", "/version", Reply.json(200, version));
             DockerClient docker = DockerClient.builder().host(engine.host()).build()) {
            Version v = docker.version();
            assertEquals("20.10.24", v.version());
            assertEquals("1.41", v.apiVersion());
        }
    }

    @Test
    void dockerJavaConfiguresAndSerializesItsModelsWithTheSameJackson() throws Exception {
        DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost("unix:///tmp/hk-consumer-none.sock")
                .withApiVersion("1.41")
                .build();
        assertEquals("unix:///tmp/hk-consumer-none.sock", config.getDockerHost().toString());

        HostConfig host = HostConfig.newHostConfig().withPortBindings(PortBinding.parse("8080:80")).withMemory(64L << 20);
        ObjectMapper mapper = config.getObjectMapper();                       // docker-java's own mapper
        String json = mapper.writeValueAsString(host);
        assertTrue(json.contains("\"Memory\":67108864"), json);
        HostConfig back = mapper.readValue(json, HostConfig.class);
        assertEquals(ExposedPort.tcp(80), back.getPortBindings().getBindings().keySet().iterator().next());
    }

    @Test
    void everyJacksonModuleIsAtOneVersion() {
        // databind 2.21 needs annotations 2.21 (JsonSerializeAs); docker-java's 2.18.3 lacks it.
        String annotations = JsonProperty.class.getPackage().getImplementationVersion();
        String databind = ObjectMapper.class.getPackage().getImplementationVersion();
        assertTrue(databind.startsWith(annotations), "databind " + databind + ", annotations " + annotations);
    }
}
