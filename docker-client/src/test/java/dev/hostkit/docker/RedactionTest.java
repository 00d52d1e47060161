package dev.hostkit.docker;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Environment values (often secrets) never reach {@code toString()}: asserted for every record of the public API that
 * carries an environment, and the list of such records is found by looking at all of them, so a new one cannot slip by.
 */
class RedactionTest {
    private static final String SECRET = "hunter2-s3cr3t";

    private static ContainerConfig config() {
        return new ContainerConfig(
                "h",
                "root",
                List.of("DB_PASSWORD=" + SECRET, "PATH=/bin"),
                List.of("run"),
                List.of(),
                "img",
                "/",
                Map.of("app", "web"),
                false);
    }

    private static Map<Class<?>, Object> samples() {
        ContainerState state = new ContainerState("running", true, false, false, false, false, 1, 0, "", "", "");
        return Map.of(
                ContainerConfig.class,
                config(),
                ContainerInspect.class,
                new ContainerInspect("abc", "/web", "sha256:1", "", state, config(), "bridge", 0),
                CreateContainerRequest.class,
                CreateContainerRequest.builder("img").env("DB_PASSWORD", SECRET).build(),
                ExecRequest.class,
                new ExecRequest(List.of("sh"), Map.of("DB_PASSWORD", SECRET), "", ""));
    }

    @Test
    void everyRecordCarryingAnEnvironmentKeepsItsValuesOutOfToString() {
        samples()
                .forEach((type, value) -> assertThat(value.toString())
                        .as(type.getSimpleName())
                        .doesNotContain(SECRET)
                        .contains("DB_PASSWORD"));
    }

    @Test
    void theSamplesCoverEveryRecordThatCarriesAnEnvironment() throws Exception {
        Set<String> carrying = new TreeSet<>();
        for (Class<?> c : publicRecords()) {
            if (carriesEnv(c, 0)) {
                carrying.add(c.getSimpleName());
            }
        }
        Set<String> tested = new TreeSet<>();
        samples().keySet().forEach(c -> tested.add(c.getSimpleName()));
        assertThat(carrying).isEqualTo(tested);
    }

    private static boolean carriesEnv(Class<?> c, int depth) {
        if (!c.isRecord() || depth > 3) {
            return false;
        }
        for (RecordComponent rc : c.getRecordComponents()) {
            if (rc.getName().toLowerCase().contains("env") || carriesEnv(rc.getType(), depth + 1)) {
                return true;
            }
        }
        return false;
    }

    private static List<Class<?>> publicRecords() throws IOException, URISyntaxException, ClassNotFoundException {
        Path dir = Path.of(DockerClient.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI())
                .resolve("dev/hostkit/docker");
        List<Class<?>> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String n = f.getFileName().toString();
                if (n.endsWith(".class")) {
                    Class<?> c = Class.forName(
                            "dev.hostkit.docker." + n.substring(0, n.length() - 6),
                            false,
                            RedactionTest.class.getClassLoader());
                    if (c.isRecord()) {
                        out.add(c);
                    }
                }
            }
        } catch (ClassNotFoundException e) {
            throw e;
        }
        return out;
    }
}
