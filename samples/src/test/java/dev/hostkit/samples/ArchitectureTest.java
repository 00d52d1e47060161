package dev.hostkit.samples;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the modules' directions (design notes: cli → doctor → guard → netlink → core; doctor → cgroups,
 * docker-client → core; the protocol and reader libraries never lean on each other) and their {@code internal}
 * packages private, at two levels: the poms' hostkit dependencies, and every class-to-class dependency in the
 * compiled main code (ArchUnit, reading each module's {@code target/classes}).
 */
class ArchitectureTest {
    /** Which hostkit modules each module's main code may use. */
    private static final Map<String, Set<String>> ALLOWED = Map.of(
            "core", Set.of(),
            "testkit", Set.of("core"),
            "netlink", Set.of("core"),
            "cgroups", Set.of("core"),
            "docker-client", Set.of("core"),
            "guard", Set.of("netlink", "core"),
            "doctor", Set.of("guard", "netlink", "cgroups", "docker-client", "core"),
            "cli", Set.of("doctor", "guard", "netlink", "cgroups", "docker-client", "core"));

    /** The only uses of another module's {@code internal} package: hostkit's own modules, by qualified export. */
    private static final Map<String, Set<String>> INTERNAL_USERS = Map.of(
            "core", Set.of("netlink", "guard", "cgroups", "docker-client"),
            "netlink", Set.of("guard"));

    /** Package roots of each module. */
    private static final Map<String, String> PACKAGE = Map.of(
            "core",
            "dev.hostkit.core",
            "testkit",
            "dev.hostkit.testkit",
            "netlink",
            "dev.hostkit.netlink",
            "cgroups",
            "dev.hostkit.cgroups",
            "docker-client",
            "dev.hostkit.docker",
            "guard",
            "dev.hostkit.guard",
            "doctor",
            "dev.hostkit.doctor",
            "cli",
            "dev.hostkit.cli",
            "samples",
            "dev.hostkit.samples",
            "benchmarks",
            "dev.hostkit.benchmarks");

    private static final Path TOP = Path.of("..").toAbsolutePath().normalize();
    private static final Map<String, JavaClasses> CLASSES = new java.util.HashMap<>();

    @BeforeAll
    static void importEveryModule() {
        for (String module : PACKAGE.keySet()) {
            Path classes = TOP.resolve(module).resolve("target/classes");
            if (Files.isDirectory(classes)) {
                CLASSES.put(module, new ClassFileImporter().importPath(classes));
            }
        }
        // Everything but this module and the benchmarks (built after it when not in the reactor) must be there.
        for (String module : ALLOWED.keySet()) {
            assertThat(CLASSES)
                    .as("compiled classes of %s (build the reactor first)", module)
                    .containsKey(module);
        }
    }

    @Test
    void everyModulesMainCodeUsesOnlyTheModulesBelowIt() {
        List<String> violations = new ArrayList<>();
        ALLOWED.forEach((module, allowed) -> {
            for (JavaClass c : CLASSES.get(module)) {
                for (Dependency d : c.getDirectDependenciesFromSelf()) {
                    String target = moduleOf(d.getTargetClass().getPackageName());
                    if (target != null && !target.equals(module) && !allowed.contains(target)) {
                        violations.add(module + " → " + target + ": " + d.getDescription());
                    }
                }
            }
        });
        assertThat(violations).as("dependencies against the module directions").isEmpty();
    }

    @Test
    void internalPackagesAreUsedOnlyByTheirModuleAndItsNamedPeers() {
        List<String> violations = new ArrayList<>();
        CLASSES.forEach((module, classes) -> {
            for (JavaClass c : classes) {
                for (Dependency d : c.getDirectDependenciesFromSelf()) {
                    String pkg = d.getTargetClass().getPackageName();
                    String target = moduleOf(pkg);
                    if (target == null || target.equals(module) || !isInternal(pkg)) {
                        continue;
                    }
                    if (!INTERNAL_USERS.getOrDefault(target, Set.of()).contains(module)) {
                        violations.add(module + " uses " + target + "'s internals: " + d.getDescription());
                    }
                }
            }
        });
        assertThat(violations)
                .as("uses of another module's internal package (samples and benchmarks use public API only)")
                .isEmpty();
    }

    /** Compile-time constants (an {@code internal} {@code AF_INET}) are inlined by javac: the sources say what bytecode cannot. */
    @Test
    void noSourceImportsAnotherModulesInternals() throws IOException {
        Pattern imp = Pattern.compile("^import (?:static )?(dev\\.hostkit\\.[a-z.]*internal)[.;]", Pattern.MULTILINE);
        List<String> violations = new ArrayList<>();
        for (String module : PACKAGE.keySet()) {
            Path src = TOP.resolve(module).resolve("src/main/java");
            if (!Files.isDirectory(src)) {
                continue;
            }
            try (var files = Files.walk(src)) {
                for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                    Matcher m = imp.matcher(Files.readString(f));
                    while (m.find()) {
                        String target = moduleOf(m.group(1));
                        if (target != null
                                && !target.equals(module)
                                && !INTERNAL_USERS
                                        .getOrDefault(target, Set.of())
                                        .contains(module)) {
                            violations.add(TOP.relativize(f) + " imports " + m.group(1));
                        }
                    }
                }
            }
        }
        assertThat(violations).isEmpty();
    }

    @Test
    void pomsDeclareOnlyTheAllowedHostkitModules() throws IOException {
        Pattern dep = Pattern.compile(
                "<artifactId>hostkit-([a-z-]+)</artifactId>(?:(?!</dependency>).)*</dependency>", Pattern.DOTALL);
        List<String> violations = new ArrayList<>();
        for (Map.Entry<String, Set<String>> e : ALLOWED.entrySet()) {
            String pom = Files.readString(TOP.resolve(e.getKey()).resolve("pom.xml"));
            String deps = pom.substring(pom.indexOf("<dependencies>"));
            Matcher m = dep.matcher(deps);
            while (m.find()) {
                boolean testScope = m.group().contains("<scope>test</scope>");
                String target = m.group(1);
                if (!testScope && !e.getValue().contains(target)) {
                    violations.add(e.getKey() + "/pom.xml depends on hostkit-" + target);
                }
            }
        }
        assertThat(violations).isEmpty();
    }

    @Test
    void theDirectionsHaveNoCycle() {
        // A module may not reach itself through what it is allowed to use.
        Set<String> seen = new TreeSet<>();
        for (String module : ALLOWED.keySet()) {
            assertThat(reaches(module, module, new TreeSet<>()))
                    .as("%s reaches itself", module)
                    .isFalse();
            seen.add(module);
        }
        assertThat(seen).hasSize(ALLOWED.size());
    }

    private static boolean reaches(String from, String to, Set<String> visited) {
        for (String next : ALLOWED.getOrDefault(from, Set.of())) {
            if (next.equals(to) || (visited.add(next) && reaches(next, to, visited))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isInternal(String pkg) {
        return pkg.contains(".internal");
    }

    private static String moduleOf(String pkg) {
        String best = null;
        for (Map.Entry<String, String> e : PACKAGE.entrySet()) {
            String root = e.getValue();
            if ((pkg.equals(root) || pkg.startsWith(root + "."))
                    && (best == null || root.length() > PACKAGE.get(best).length())) {
                best = e.getKey();
            }
        }
        return best;
    }
}
