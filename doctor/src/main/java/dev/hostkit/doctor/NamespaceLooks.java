package dev.hostkit.doctor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Looks into many network namespaces a few at a time: each look is a few syscalls and a wait on the kernel, so a
 * handful at once shortens a survey of hundreds. Results come back in the order of the input; the threads end with
 * the call.
 */
final class NamespaceLooks {
    /** Enough to overlap the waits on a small host without crowding out the other checks. */
    static final int AT_ONCE = 4;

    /** One look; it returns {@code null} for an item it could not look at. */
    @FunctionalInterface
    interface Look<A, B> {
        B at(A item) throws Exception;
    }

    private NamespaceLooks() {}

    /**
     * Runs {@code look} on every item, {@link #AT_ONCE} at a time.
     *
     * @return the results, in the order of {@code items}
     * @throws ExecutionException when a look threw (its exception is the cause)
     */
    static <A, B> List<B> each(List<A> items, Look<A, B> look) throws InterruptedException, ExecutionException {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(AT_ONCE, items.size())), r -> {
            Thread t = new Thread(r, "hostkit-doctor-netns");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<B>> looks = new ArrayList<>(items.size());
            for (A item : items) {
                looks.add(pool.submit(() -> look.at(item)));
            }
            List<B> out = new ArrayList<>(items.size());
            for (Future<B> f : looks) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
