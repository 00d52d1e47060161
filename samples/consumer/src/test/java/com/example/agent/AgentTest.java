package com.example.agent;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentTest {
    @Test
    void runsAgainstTheInstalledHostkit() {
        String d = Agent.describe("hk-consumer-none");
        assertTrue(d.startsWith("kernel ") && d.endsWith("no namespace hk-consumer-none"), d);
    }
}
