package com.example.agent;

import dev.hostkit.testkit.docker.FakeDockerEngine;
import dev.hostkit.testkit.docker.Reply;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentTest {
    @Test
    void runsAgainstTheInstalledHostkit() {
        String d = Agent.describe("hk-consumer-none");
        assertTrue(d.startsWith("kernel ") && d.endsWith("no namespace hk-consumer-none"), d);
    }

    @Test
    void pollsAnEngineThroughTheTestkitsFakeEngine() {
        try (FakeDockerEngine engine = FakeDockerEngine.start().apiVersion("1.41")) {
            assertEquals("engine API 1.41", Agent.poll(engine.host()));
        }
    }

    @Test
    void reportsAnEngineThatFailsInsteadOfThrowing() {
        try (FakeDockerEngine engine = FakeDockerEngine.start().on("HEAD", "/_ping", Reply.status(500))) {
            String r = Agent.poll(engine.host());
            assertTrue(r.startsWith("engine unavailable: ") && r.contains("500"), r);
        }
    }
}
