package dev.hostkit.doctor;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class OwnEngineConnectionsTest {
    @Test
    void aDumpWaitsForOpenEngineCallsAndACallWaitsForARunningDump() throws Exception {
        List<String> order = new CopyOnWriteArrayList<>();
        CountDownLatch callOpen = new CountDownLatch(1);
        CountDownLatch closeCall = new CountDownLatch(1);
        CompletableFuture<Void> call = CompletableFuture.runAsync(() -> OwnEngineConnections.call(() -> {
            callOpen.countDown();
            await(closeCall);
            order.add("call closed");
            return null;
        }));
        callOpen.await();
        CountDownLatch dumpRunning = new CountDownLatch(1);
        CountDownLatch endDump = new CountDownLatch(1);
        CompletableFuture<Void> dump = CompletableFuture.runAsync(() -> OwnEngineConnections.dump(() -> {
            order.add("dump");
            dumpRunning.countDown();
            await(endDump);
            return null;
        }));
        assertThat(dumpRunning.await(200, TimeUnit.MILLISECONDS))
                .as("no dump while a call is open")
                .isFalse();
        closeCall.countDown();
        call.get(5, TimeUnit.SECONDS);
        assertThat(dumpRunning.await(5, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> later = CompletableFuture.runAsync(() -> OwnEngineConnections.call(() -> {
            order.add("later call");
            return null;
        }));
        Thread.sleep(200);
        assertThat(later).as("no call while a dump runs").isNotDone();
        endDump.countDown();
        dump.get(5, TimeUnit.SECONDS);
        later.get(5, TimeUnit.SECONDS);
        assertThat(order).containsExactly("call closed", "dump", "later call");
    }

    @Test
    void aStuckEngineCallDelaysTheDumpOnlyForTheBoundedWait() throws Exception {
        CountDownLatch callOpen = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> stuck = CompletableFuture.runAsync(() -> OwnEngineConnections.call(() -> {
            callOpen.countDown();
            await(release);
            return null;
        }));
        try {
            callOpen.await();
            assertThat(CompletableFuture.supplyAsync(() -> OwnEngineConnections.dump(() -> "dumped"))
                            .get(OwnEngineConnections.WAIT_MILLIS + 10_000, TimeUnit.MILLISECONDS))
                    .isEqualTo("dumped");
        } finally {
            release.countDown();
            stuck.get(5, TimeUnit.SECONDS);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test latch never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
