package io.pvkit.benchmarks.grant;

import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.GrantCursor;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

/**
 * One map_grant_ref + read one byte + unmap_grant_ref pair, per lifetime mechanism ({@code SHARED} and
 * {@code CONFINED}: an arena per mapping; {@code CHECKED}: a {@code GrantView} with a revocation word, no
 * arena), against the bare cost of the arena mechanisms (an arena created and closed) and against a mapping
 * without a view (device map: book-keeping and the two CASes on the shared entry only).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class GrantMapBenchmark {
    private GuestMemory granter;
    private GuestMemory mapper;
    private GrantTables confined;
    private GrantTables shared;
    private GrantTables checked;
    private GrantCursor cursor;
    private int ref;

    /** Two domains; domain 1 grants frame 1 read-only to domain 2 in both tables. */
    @Setup(Level.Trial)
    public void setUp() {
        granter = GuestMemory.allocate(4);
        mapper = GuestMemory.allocate(4);
        confined = tables(MappingLifetime.CONFINED);
        shared = tables(MappingLifetime.SHARED);
        checked = tables(MappingLifetime.CHECKED);
        cursor = checked.newCursor(); // thread-scoped state: set up on the benchmark thread, which the cursor needs
        ref = new GuestGrantTable(granter, 0).grantAccess(2, 1, true);
        granter.setByte(GuestMemory.gpaOf(1), (byte) 42);
    }

    private GrantTables tables(MappingLifetime lifetime) {
        GrantTables t = new GrantTables(lifetime, 1024);
        t.addDomain(new DomainSpec(1, granter, 1, false), 0, 1);
        t.addDomain(new DomainSpec(2, mapper, 1, false), 0, 1);
        return t;
    }

    /** Frees the memory. */
    @TearDown(Level.Trial)
    public void tearDown() {
        confined.releaseDomain(1, Integer.MAX_VALUE);
        shared.releaseDomain(1, Integer.MAX_VALUE);
        checked.releaseDomain(1, Integer.MAX_VALUE);
        granter.close();
        mapper.close();
    }

    /** @return the byte read through the mapping */
    @Benchmark
    public byte mapReadUnmapConfined() {
        return mapReadUnmap(confined);
    }

    /** @return the byte read through the mapping */
    @Benchmark
    public byte mapReadUnmapShared() {
        return mapReadUnmap(shared);
    }

    /** @return the byte read through the mapping's checked view */
    @Benchmark
    public byte mapReadUnmapChecked() {
        MapResult m = checked.map(2, 1, ref, GntMap.HOST_MAP | GntMap.READONLY, 0);
        byte b = m.view().getByte(0);
        checked.unmap(2, m.handle());
        return b;
    }

    /**
     * The allocation-free shape: {@code mapHandle} answers only the handle, the view is made on request by
     * {@code viewOf} (once per mapping).
     *
     * @return the byte read through the mapping's checked view
     */
    @Benchmark
    public byte mapHandleReadUnmapChecked() {
        int h = checked.mapHandle(2, 1, ref, GntMap.HOST_MAP | GntMap.READONLY, 0);
        byte b = checked.viewOf(2, h).getByte(0);
        checked.unmap(2, h);
        return b;
    }

    /**
     * The zero-allocation shape: {@code mapHandle}, the thread's {@code GrantCursor} bound to the handle (no view
     * object), a read through it, unmap.
     *
     * @return the byte read through the cursor
     */
    @Benchmark
    public byte mapHandleCursorReadUnmapChecked() {
        int h = checked.mapHandle(2, 1, ref, GntMap.HOST_MAP | GntMap.READONLY, 0);
        cursor.bind(2, h);
        byte b = cursor.getByte(0);
        checked.unmap(2, h);
        return b;
    }

    /**
     * {@code mapHandle} and unmap of a CHECKED host mapping that is never read through a view (a backend handing
     * the page to a device, or only keeping it pinned): no object per map at all.
     *
     * @return the unmap status
     */
    @Benchmark
    public int mapHandleUnmapChecked() {
        int h = checked.mapHandle(2, 1, ref, GntMap.HOST_MAP | GntMap.READONLY, 0);
        return checked.unmap(2, h) + h;
    }

    private byte mapReadUnmap(GrantTables t) {
        MapResult m = t.map(2, 1, ref, GntMap.HOST_MAP | GntMap.READONLY, 0);
        byte b = m.segment().get(ValueLayout.JAVA_BYTE, 0);
        t.unmap(2, m.handle());
        return b;
    }

    /** @return the unmap status */
    @Benchmark
    public int mapUnmapDeviceOnly() {
        MapResult m = confined.map(2, 1, ref, GntMap.DEVICE_MAP | GntMap.READONLY, 0);
        return confined.unmap(2, m.handle()) + (int) m.devBusAddr();
    }

    /** Baseline: the bare lifetime mechanism of CONFINED. @return a byte of the allocation */
    @Benchmark
    public byte baselineConfinedArena() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(8);
            return s.get(ValueLayout.JAVA_BYTE, 0);
        }
    }

    /** Baseline: the bare lifetime mechanism of SHARED. @return a byte of the allocation */
    @Benchmark
    public byte baselineSharedArena() {
        try (Arena a = Arena.ofShared()) {
            MemorySegment s = a.allocate(8);
            return s.get(ValueLayout.JAVA_BYTE, 0);
        }
    }

    /** Baseline: reading the byte through a plain slice of the granter's frame (no grant, no lifetime). @return the byte */
    @Benchmark
    public byte baselineSliceRead() {
        return granter.frame(1).get(ValueLayout.JAVA_BYTE, 0);
    }
}
