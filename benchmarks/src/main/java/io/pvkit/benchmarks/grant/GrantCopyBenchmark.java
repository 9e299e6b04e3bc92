package io.pvkit.benchmarks.grant;

import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.DomId;
import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GnttabCopyLayout;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.GrantCopy;
import io.pvkit.grant.GrantTableHypercall;
import io.pvkit.grant.GrantTables;
import io.pvkit.grant.GrantView;
import io.pvkit.grant.GuestGrantTable;
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

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * GNTTABOP_copy of {@code bytes} (4 KiB = one element, 64 KiB = 16 page-sized elements) from frames that
 * domain 1 granted to domain 2 into domain 2's own frames, through the Java API and through the hypercall
 * adapter (argument structs in guest memory), against {@code MemorySegment.copy} of the same bytes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class GrantCopyBenchmark {
    private static final int PAGES = 16;

    /** Bytes copied per operation. */
    @Param({"4096", "65536"})
    public int bytes;

    private GuestMemory granter;
    private GuestMemory mapper;
    private GrantTables tables;
    private GrantTableHypercall hypercall;
    private HypercallContext caller;
    private GrantCopy[] ops;
    private GrantTables checked;
    private GrantView[] views;
    private int elements;
    private long argsGpa;

    /** Domain 1 grants 16 frames read-only to domain 2; the copy elements are prepared once. */
    @Setup(Level.Trial)
    public void setUp() {
        granter = GuestMemory.allocate(1 + PAGES);
        mapper = GuestMemory.allocate(1 + PAGES + 2);
        tables = new GrantTables(MappingLifetime.CONFINED, 1024);
        tables.addDomain(new DomainSpec(1, granter, 1, false), 0, 1);
        tables.addDomain(new DomainSpec(2, mapper, 1, false), 0, 1);
        hypercall = new GrantTableHypercall(tables);
        caller = HypercallContext.of(2, 0, false, mapper);
        GuestGrantTable table = new GuestGrantTable(granter, 0);
        elements = bytes / GuestMemory.PAGE_SIZE;
        ops = new GrantCopy[elements];
        argsGpa = GuestMemory.gpaOf(1 + PAGES);
        checked = new GrantTables(MappingLifetime.CHECKED, 1024);
        checked.addDomain(new DomainSpec(1, granter, 1, false), 0, 1);
        checked.addDomain(new DomainSpec(2, mapper, 1, false), 0, 1);
        views = new GrantView[elements];
        for (int i = 0; i < elements; i++) {
            granter.fill(GuestMemory.gpaOf(1 + i), GuestMemory.PAGE_SIZE, (byte) i);
            int ref = table.grantAccess(2, 1 + i, true);
            views[i] = checked.map(2, 1, ref, GntMap.HOST_MAP | GntMap.READONLY, 0).view();
            ops[i] = new GrantCopy(ref, 1, 0, 1 + i, DomId.SELF, 0, GuestMemory.PAGE_SIZE, GntCopy.SOURCE_GREF);
            long e = argsGpa + i * GnttabCopyLayout.SIZE;
            mapper.setInt(e + GnttabCopyLayout.SOURCE_OFFSET + GnttabCopyLayout.PTR_U_OFFSET, ref);
            mapper.setShort(e + GnttabCopyLayout.SOURCE_OFFSET + GnttabCopyLayout.PTR_DOMID_OFFSET, (short) 1);
            mapper.setLong(e + GnttabCopyLayout.DEST_OFFSET + GnttabCopyLayout.PTR_U_OFFSET, 1 + i);
            mapper.setShort(e + GnttabCopyLayout.DEST_OFFSET + GnttabCopyLayout.PTR_DOMID_OFFSET, (short) DomId.SELF);
            mapper.setShort(e + GnttabCopyLayout.LEN_OFFSET, (short) GuestMemory.PAGE_SIZE);
            mapper.setShort(e + GnttabCopyLayout.FLAGS_OFFSET, (short) GntCopy.SOURCE_GREF);
        }
    }

    /** Frees the memory. */
    @TearDown(Level.Trial)
    public void tearDown() {
        checked.releaseDomain(2, Integer.MAX_VALUE);
        granter.close();
        mapper.close();
    }

    /** @return the sum of the statuses (0) */
    @Benchmark
    public int grantCopyJavaApi() {
        int st = 0;
        for (GrantCopy op : ops) {
            st += tables.copy(2, op);
        }
        return st;
    }

    /** @return the hypercall result (0) */
    @Benchmark
    public long grantCopyHypercall() {
        return hypercall.hypercall(caller, HypercallOp.GRANT_TABLE_OP.number(), GrantTableOp.COPY.code(), argsGpa,
                elements, 0, 0);
    }

    /**
     * The same bytes out of CHECKED mappings of the granted frames (mapped once in setup) through
     * {@code GrantView.copyTo}: what a backend that maps per request pays per page besides map and unmap.
     *
     * @return the destination's first byte
     */
    @Benchmark
    public byte checkedViewCopyTo() {
        for (int i = 0; i < elements; i++) {
            views[i].copyTo(0, mapper.segment(), GuestMemory.gpaOf(1 + i), GuestMemory.PAGE_SIZE);
        }
        return mapper.getByte(GuestMemory.gpaOf(1));
    }

    /** Baseline: the same bytes with one MemorySegment.copy. @return the destination's first byte */
    @Benchmark
    public byte baselineSegmentCopy() {
        MemorySegment.copy(granter.segment(), GuestMemory.gpaOf(1), mapper.segment(), GuestMemory.gpaOf(1), bytes);
        return mapper.getByte(GuestMemory.gpaOf(1));
    }
}
