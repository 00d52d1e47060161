package dev.hostkit.benchmarks.netlink;

import dev.hostkit.netlink.Link;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Steady-state cost of dumping {@code links} macvlans (plus the veth pair and lo): time per dump and, with
 * {@code -prof gc}, bytes allocated per dump ({@code gc.alloc.rate.norm}) to compare with the bytes the kernel sent
 * (printed at setup as {@code kernel bytes per dump}). Needs root; makes and removes its own namespace.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class LinkDumpAllocationBenchmark {
    @Param("1000")
    public int links;

    private BenchNamespace ns;

    /** Makes the namespace and its macvlans; prints the kernel's bytes per dump. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        ns = new BenchNamespace("j");
        ns.createMacvlans(links);
        System.out.println();
        System.out.println(
                "# kernel bytes per dump of " + ns.rt.links().size() + " links: " + ns.kernelBytesPerLinkDump());
    }

    /** Removes the namespace. */
    @TearDown(Level.Trial)
    public void tearDown() {
        ns.close();
    }

    /** {@code RtNetlink.links()}: the dump decoded into a list of records. */
    @Benchmark
    public List<Link> dumpToList() {
        return ns.rt.links();
    }

    /** {@code RtNetlink.dumpLinks}: the same records streamed, no list. */
    @Benchmark
    public void dumpStreaming(Blackhole bh) {
        ns.rt.dumpLinks(bh::consume, () -> {});
    }
}
