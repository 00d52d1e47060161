package dev.hostkit.doctor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.hostkit.cgroups.CgroupOwner;
import dev.hostkit.cgroups.OrphanCgroup;
import dev.hostkit.core.KernelVersion;
import dev.hostkit.core.NetNamespace;
import dev.hostkit.core.ProcFs;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.LinkKind;
import dev.hostkit.netlink.RtNetlink;
import dev.hostkit.guard.NamespaceSource;
import dev.hostkit.doctor.DoctorReport.Severity;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

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
