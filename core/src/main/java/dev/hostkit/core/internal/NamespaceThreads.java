package dev.hostkit.core.internal;

import com.sun.jna.LastErrorException;
import dev.hostkit.core.NetNamespace.NsTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The platform threads that run code inside other network namespaces. A worker enters the target
 * with setns, runs the task, and returns to the process's home namespace; if it cannot return it
 * dies instead of going back to the pool, so no thread ever carries a foreign namespace into later
 * work. The pool is private to hostkit: a namespace never leaks into a shared or virtual-thread pool.
 */
public final class NamespaceThreads {
    private static final Logger LOG = LoggerFactory.getLogger(NamespaceThreads.class);
    private static final String HOME_PATH = "/proc/self/ns/net";
    // The namespace of the process's main thread when hostkit was loaded; every worker returns here.
    private static final int HOME_FD = openHome();
    private static final AtomicInteger THREAD_IDS = new AtomicInteger();
    // Tests: runs just before a worker returns home; throwing LastErrorException strands the worker there.
    static volatile Runnable beforeReturnHome = () -> {};
    // An idle worker ends after this: long enough to serve a burst (a pass, a hundred repairs) with the same threads,
    // short enough that a daemon between bursts holds none.
    private static final long KEEP_ALIVE_SECONDS = 2;
    private static final ThreadPoolExecutor POOL = new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            KEEP_ALIVE_SECONDS,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            NamespaceThreads::newThread);

    private NamespaceThreads() {}

    private static int openHome() {
        try {
            return LibC.open(HOME_PATH, LibC.O_RDONLY | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw LibC.failure("open", HOME_PATH, e);
        }
    }

    private static Thread newThread(Runnable r) {
        Thread t = new Thread(r, "hostkit-netns-" + THREAD_IDS.incrementAndGet());
        t.setDaemon(true);
        // A worker that could not return home ends by throwing; that is expected, not a crash.
        t.setUncaughtExceptionHandler((thread, e) -> {
            if (!(e instanceof DiscardedWorker)) {
                LOG.error("namespace worker {} died", thread.getName(), e);
            }
        });
        return t;
    }

    /** Runs {@code task} inside the namespace open on {@code nsFd}; see {@code NetNamespace.run}. */
    public static <T, E extends Exception> T run(int nsFd, String label, NsTask<T, E> task) throws E {
        Outcome<T> outcome = new Outcome<>();
        FutureTask<Void> work = new FutureTask<>(() -> {
            enterAndRun(nsFd, label, task, outcome);
            return null;
        });
        POOL.execute(() -> {
            work.run();
            if (outcome.stranded) {
                // Ends this worker thread; the pool replaces it on demand.
                throw new DiscardedWorker();
            }
        });
        awaitUninterruptibly(work);
        return outcome.unwrap();
    }

    private static <T, E extends Exception> void enterAndRun(
            int nsFd, String label, NsTask<T, E> task, Outcome<T> out) {
        try {
            LibC.setns(nsFd, LibC.CLONE_NEWNET);
        } catch (LastErrorException e) {
            out.failure = LibC.failure("setns", label, e);
            // A failed setns leaves the thread where it was, which is home.
            return;
        }
        try {
            out.value = task.call();
        } catch (Throwable t) {
            out.failure = t;
        } finally {
            try {
                beforeReturnHome.run();
                LibC.setns(HOME_FD, LibC.CLONE_NEWNET);
            } catch (LastErrorException e) {
                out.stranded = true;
                LOG.error(
                        "hostkit namespace thread could not return from {} to its home namespace ({}); discarding it",
                        label,
                        LibC.failure("setns", HOME_PATH, e).getMessage());
            }
        }
    }

    // The caller waits for the task even when interrupted: the task runs in another namespace and must
    // finish (and return home) before its result or exception can be handed back. The interrupt is kept.
    private static void awaitUninterruptibly(Future<?> f) {
        boolean interrupted = false;
        while (true) {
            try {
                f.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException e) {
                break; // enterAndRun catches everything; nothing reaches here in practice
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class Outcome<T> {
        T value;
        Throwable failure;
        volatile boolean stranded;

        @SuppressWarnings("unchecked")
        <E extends Exception> T unwrap() throws E {
            if (failure == null) {
                return value;
            }
            if (failure instanceof RuntimeException r) {
                throw r;
            }
            if (failure instanceof Error err) {
                throw err;
            }
            throw (E) failure;
        }
    }

    private static final class DiscardedWorker extends Error {
        private static final long serialVersionUID = 1L;

        DiscardedWorker() {
            super("namespace worker discarded", null, false, false);
        }
    }
}
