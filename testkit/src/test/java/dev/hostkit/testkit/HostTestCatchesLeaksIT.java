package dev.hostkit.testkit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

import java.io.FileInputStream;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

/**
 * The {@link HostTest} extension itself, run on tests that leak (JUnit's EngineTestKit): each leak fails its test with
 * a message naming what was left, and the leftover link or namespace is removed. The leaking classes are nested, so
 * Failsafe (which skips {@code $} classes) never runs them on their own.
 */
class HostTestCatchesLeaksIT {
    static final CountDownLatch RELEASE = new CountDownLatch(1);
    static FileInputStream leakedStream;

    /** The leaking tests run only when this test launches them, whatever filter selects test classes. */
    static final class OnlyFromThisTest implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(LAUNCHED).isPresent()
                    ? ConditionEvaluationResult.enabled("launched by HostTestCatchesLeaksIT")
                    : ConditionEvaluationResult.disabled("leaks on purpose; run only by HostTestCatchesLeaksIT");
        }
    }

    static final String LAUNCHED = "hostkit.testkit.leaky";

    @HostTest
    @ExtendWith(OnlyFromThisTest.class)
    static class Leaky {
        @Test
        void leaksAThread() {
            Thread t = new Thread(
                    () -> {
                        try {
                            RELEASE.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    },
                    "hk-leaked-thread");
            t.setDaemon(true);
            t.start();
        }

        @Test
        void leaksAnFd() throws IOException {
            leakedStream = new FileInputStream("/proc/self/status");
        }

        @Test
        void leaksALink() {
            Sh.run("ip", "link", "add", TestNames.next("lk"), "type", "veth", "peer", "name", TestNames.next("lk"));
        }

        @Test
        void leaksANamespace() {
            Sh.run("ip", "netns", "add", TestNames.next("ln"));
        }

        @Test
        void cleansUp(TestNetns ns, VethPair veth) {
            assertThat(ns.name()).startsWith(TestNames.RUN_PREFIX);
        }
    }

    private static Event run(String method) {
        java.lang.reflect.Method m = java.util.Arrays.stream(Leaky.class.getDeclaredMethods())
                .filter(x -> x.getName().equals(method))
                .findFirst()
                .orElseThrow();
        EngineExecutionResults r = EngineTestKit.engine("junit-jupiter")
                .configurationParameter(LAUNCHED, "true")
                .selectors(selectMethod(Leaky.class, m))
                .execute();
        List<Event> finished = r.testEvents().finished().list();
        assertThat(finished).hasSize(1);
        return finished.get(0);
    }

    private static String failure(Event e) {
        return e.getPayload(org.junit.platform.engine.TestExecutionResult.class)
                .orElseThrow()
                .getThrowable()
                .map(Throwable::getMessage)
                .orElse("(passed)");
    }

    @Test
    void aLeakedThreadFailsTheTestNamingTheThread() {
        try {
            assertThat(failure(run("leaksAThread")))
                    .startsWith("test left resources behind: ")
                    .contains("threads [hk-leaked-thread]");
        } finally {
            RELEASE.countDown();
        }
    }

    @Test
    void aLeakedFdFailsTheTest() throws IOException {
        try {
            assertThat(failure(run("leaksAnFd")))
                    .startsWith("test left resources behind: ")
                    .contains("1 fd(s) more than before the test")
                    .contains("open now and not before: fd")
                    .contains("/status");
        } finally {
            leakedStream.close();
        }
    }

    @Test
    void aLeakedLinkFailsTheTestAndIsRemoved() {
        Prerequisites.requireRoot();
        assertThat(failure(run("leaksALink")))
                .startsWith("test left resources behind: ")
                .contains("link " + TestNames.RUN_PREFIX);
        assertThat(Sh.run("ip", "-o", "link", "show")).doesNotContain(TestNames.RUN_PREFIX);
    }

    @Test
    void aLeakedNamespaceFailsTheTestAndIsRemoved() {
        Prerequisites.requireRoot();
        assertThat(failure(run("leaksANamespace")))
                .startsWith("test left resources behind: ")
                .contains("netns " + TestNames.RUN_PREFIX);
        assertThat(Sh.run("ip", "netns", "list")).doesNotContain(TestNames.RUN_PREFIX);
    }

    @Test
    void aTestThatCleansUpPasses() {
        Prerequisites.requireRoot();
        assertThat(failure(run("cleansUp"))).isEqualTo("(passed)");
    }
}
