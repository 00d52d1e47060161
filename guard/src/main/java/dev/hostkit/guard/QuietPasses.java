package dev.hostkit.guard;

/**
 * Remembers the last periodic pass that found nothing to open, so that the passes after it skip their per-namespace
 * work while nothing differs from it: the same look (the sources answered the same {@link NamespaceSource.Look},
 * without errors), nothing heard from or about any guarded namespace (the sum of their change counters, which only
 * grow), the host's links unchanged (the census's generation), as many guarded namespaces, and no settled look or
 * census judgement expired. An idle daemon's pass is then its look alone: the per-namespace loop runs interpreted
 * at 20 passes a minute (C1 never gets to it), at about 4 us a namespace. A thorough pass always runs whole.
 */
final class QuietPasses {
    /** What a pass starts from, read before it looks at any namespace. */
    record Start(long heard, long generation, int guarded) {}

    private record Quiet(NamespaceSource.Look look, Start start, long until) {}

    private final GuardContext ctx;
    private final long settledMaxAgeNanos;
    private volatile Quiet quiet;

    QuietPasses(GuardContext ctx, long settledMaxAgeNanos) {
        this.ctx = ctx;
        this.settledMaxAgeNanos = settledMaxAgeNanos;
    }

    /** Read at the start of a pass, before its look. */
    Start start() {
        long heard = 0;
        for (Guarded g : ctx.guarded.values()) {
            heard += g.changes.get();
        }
        return new Start(heard, ctx.census.generation(), ctx.guarded.size());
    }

    /** Whether a periodic pass that started at {@code s} and looked {@code look} has nothing to do at {@code now}. */
    boolean stillQuiet(NamespaceSource.Look look, Start s, long now) {
        Quiet q = quiet;
        return q != null && q.look == look && q.start.equals(s) && now - q.until < 0;
    }

    /**
     * A pass that started at {@code s} and looked {@code look} found nothing to open (and no error): until something
     * differs, or the first settled look or census judgement expires, the next passes have nothing to do either.
     */
    void quietNow(NamespaceSource.Look look, Start s, long now) {
        if (!look.errors().isEmpty()) {
            quiet = null;
            return;
        }
        long until = ctx.census.nextDue(now);
        for (Guarded g : ctx.guarded.values()) {
            g.lock.lock();
            try {
                long expires = g.settledAt + settledMaxAgeNanos;
                until = expires - until < 0 ? expires : until;
            } finally {
                g.lock.unlock();
            }
        }
        quiet = new Quiet(look, s, until);
    }

    /** The pass had work (or was thorough): the next one runs whole. */
    void clear() {
        quiet = null;
    }
}
