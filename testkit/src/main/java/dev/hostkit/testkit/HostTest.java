package dev.hostkit.testkit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a test class that works on the real host: it may take {@link TestNetns}, {@link VethPair} and
 * {@link DockerEngine} parameters (made fresh for each test and removed afterwards), and after each
 * test {@link HostTestExtension} fails it if it left an fd, thread, link, namespace or container behind.
 *
 * <pre>{@code
 * @HostTest
 * class MyAgentIT {
 *     @Test
 *     void seesVethInNamespace(TestNetns ns, VethPair veth) { ... }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(HostTestExtension.class)
@Tag("host")
public @interface HostTest {
    /** Set false for tests whose code under test keeps fds or threads on purpose (e.g. a shared cache). */
    boolean checkFdsAndThreads() default true;
}
