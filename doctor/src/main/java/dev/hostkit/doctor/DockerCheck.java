package dev.hostkit.doctor;

import java.util.Map;

/** Docker Engine version, API version and container counts (one-shot client, no connection kept). */
final class DockerCheck implements Doctor.Check {
    @Override
    public String area() {
        return "docker";
    }

    @Override
    public void run(DoctorReport report) {
        DockerFacts.EngineSummary d = DockerFacts.summary(null);
        Map<String, Object> s = report.section("docker");
        s.put("version", d.version());
        s.put("apiVersion", d.apiVersion());
        s.put("containers", d.containers());
        s.put("running", d.running());
        report.metric("hostkit_docker_containers", "Containers known to the Docker Engine.", d.containers());
        report.metric("hostkit_docker_containers_running", "Running containers.", d.running());
    }
}
