package io.pvkit.benchmarks.grant;

import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.GrantTables;
import io.pvkit.grant.GuestGrantTable;
import io.pvkit.grant.MapResult;
import io.pvkit.grant.MappingLifetime;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A multi-threaded backend: two worker threads share one {@link GrantTables} and each maps, reads one byte
 * and unmaps its own grant, in the lifetimes any thread may use ({@code SHARED}, {@code CHECKED}). The
 * score is the time per pair of one thread; pairs per second of the backend = threads x 1e9 / score.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class GrantMapConcurrentBenchmark {
    /** The lifetime of the mappings. */
    @Param({"CHECKED", "SHARED"})
    public MappingLifetime lifetime;

    private GuestMemory granter;
    private GuestMemory mapper;
    private GrantTables tables;
    private int[] refs;
    private final AtomicInteger nextWorker = new AtomicInteger();

    /** The reference one worker thread maps. */
    @State(Scope.Thread)
    public static class Worker {
        int ref;

        /** @param b the shared state that hands out one grant per thread */
        @Setup(Level.Trial)
        public void setUp(GrantMapConcurrentBenchmark b) {
            ref = b.refs[b.nextWorker.getAndIncrement() % b.refs.length];
        }
    }

    /** Domain 1 grants frames 1..4 read-only to domain 2. */
    @Setup(Level.Trial)
    public void setUp() {
        granter = GuestMemory.allocate(8);
        mapper = GuestMemory.allocate(4);
        tables = new GrantTables(lifetime, 1024);
        tables.addDomain(new DomainSpec(1, granter, 1, false), 0, 1);
        tables.addDomain(new DomainSpec(2, mapper, 1, false), 0, 1);
        GuestGrantTable table = new GuestGrantTable(granter, 0);
        refs = new int[4];
        for (int i = 0; i < refs.length; i++) {
            granter.setByte(GuestMemory.gpaOf(1 + i), (byte) (42 + i));
            refs[i] = table.grantAccess(2, 1 + i, true);
        }
    }

    /** Frees the memory. */
    @TearDown(Level.Trial)
    public void tearDown() {
        tables.releaseDomain(1, Integer.MAX_VALUE);
        granter.close();
        mapper.close();
    }

    /**
     * @param w this thread's grant
     * @return the byte read through the mapping
     */
    @Benchmark
    public byte mapReadUnmap(Worker w) {
        MapResult m = tables.map(2, 1, w.ref, GntMap.HOST_MAP | GntMap.READONLY, 0);
        byte b = lifetime == MappingLifetime.CHECKED ? m.view().getByte(0) : m.segment().get(
                java.lang.foreign.ValueLayout.JAVA_BYTE, 0);
        tables.unmap(2, m.handle());
        return b;
    }
}
