package io.pvkit.benchmarks.block;

import io.pvkit.abi.DomId;
import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GnttabCopyLayout;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.GuestGrantTable;
import io.pvkit.hypervisor.Domain;
import io.pvkit.hypervisor.DomainConfig;
import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.hypervisor.HypervisorConfig;
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

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

/**
 * blkback's grant-copy data path in isolation: one {@code GNTTABOP_copy} of a 4 KiB page granted by a guest,
 * issued as domain 0 through the reference hypervisor's full dispatcher the way blkback's workers issue it
 * ({@code WorkerCalls}: the element written into domain 0's scratch page, then
 * {@link GuestHypercalls#call(long, long, long, long, long, long)} with primitive arguments, the status read back
 * from the page), from the guest into domain 0 ({@code fromGuest}, a WRITE's direction) and back ({@code toGuest},
 * a READ's), against {@code MemorySegment.copy} of the same page between the same two memories.
 *
 * <p>It used {@code GuestHypercalls.grantTableOp(op, elements)} before, the convenience wrapper, which allocated
 * 40 B per call whenever the JIT did not scalar-replace its varargs {@code long[]} (JFR allocation samples of
 * {@code toGuest}, 2026-11-30: {@code GuestHypercalls.callWithArray}, {@code long[]}; also a scratch slice): that was
 * the wrapper's allocation, not the dispatcher's or pv-grant's, and not blkback's path.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class Dom0GrantCopyBenchmark {
    private Hypervisor hv;
    private static final long GRANT_TABLE_OP = HypercallOp.GRANT_TABLE_OP.number();
    private static final long COPY = GrantTableOp.COPY.code();
    private GuestHypercalls dom0;
    private MemorySegment scratchPage;
    private long scratchGpa;
    private MemorySegment from;
    private MemorySegment to;
    private MemorySegment guestPage;
    private MemorySegment dom0Page;

    /** Creates the state. */
    public Dom0GrantCopyBenchmark() {
    }

    /** A hypervisor, a guest that grants one page to domain 0, and the two copy elements. */
    @Setup(Level.Trial)
    public void start() {
        hv = Hypervisor.start(new HypervisorConfig(null, s -> { }));
        Domain g = hv.createDomain(DomainConfig.guest("copy", 1024, null));
        GuestHypercalls ghc = new GuestHypercalls(hv.dispatcher(), g.context(0), 0, GuestMemory.PAGE_SIZE);
        long[] frames = new long[4];
        if (ghc.setupTable(frames) != 0) {
            throw new IllegalStateException("setup_table failed");
        }
        GuestGrantTable table = new GuestGrantTable(g.memory(), frames);
        long gfn = 100;
        int ref = table.grantAccess(0, gfn, false);
        Domain d0 = hv.domain(0).orElseThrow();
        long scratch = Hypervisor.DOM0_FRAMES - 2;
        long dst = Hypervisor.DOM0_FRAMES - 1;
        dom0 = new GuestHypercalls(hv.dispatcher(), d0.context(0), GuestMemory.gpaOf(scratch), GuestMemory.PAGE_SIZE);
        scratchGpa = GuestMemory.gpaOf(scratch);
        scratchPage = d0.memory().frame(scratch);
        from = element(ref, g.domid(), dst, GntCopy.SOURCE_GREF);
        to = element(ref, g.domid(), dst, GntCopy.DEST_GREF);
        guestPage = g.memory().frame(gfn);
        dom0Page = d0.memory().frame(dst);
    }

    private static MemorySegment element(int ref, int guest, long dom0Gfn, int flags) {
        MemorySegment e = MemorySegment.ofArray(new long[(int) GnttabCopyLayout.SIZE / 8]);
        boolean fromGuest = flags == GntCopy.SOURCE_GREF;
        long guestSide = fromGuest ? GnttabCopyLayout.SOURCE_OFFSET : GnttabCopyLayout.DEST_OFFSET;
        long dom0Side = fromGuest ? GnttabCopyLayout.DEST_OFFSET : GnttabCopyLayout.SOURCE_OFFSET;
        e.set(ValueLayout.JAVA_INT, guestSide + GnttabCopyLayout.PTR_U_OFFSET, ref);
        e.set(ValueLayout.JAVA_SHORT, guestSide + GnttabCopyLayout.PTR_DOMID_OFFSET, (short) guest);
        e.set(ValueLayout.JAVA_LONG, dom0Side + GnttabCopyLayout.PTR_U_OFFSET, dom0Gfn);
        e.set(ValueLayout.JAVA_SHORT, dom0Side + GnttabCopyLayout.PTR_DOMID_OFFSET, (short) DomId.SELF);
        e.set(ValueLayout.JAVA_SHORT, GnttabCopyLayout.LEN_OFFSET, (short) GuestMemory.PAGE_SIZE);
        e.set(ValueLayout.JAVA_SHORT, GnttabCopyLayout.FLAGS_OFFSET, (short) flags);
        return e;
    }

    /** Stops the hypervisor. */
    @TearDown(Level.Trial)
    public void stop() {
        hv.close();
    }

    /**
     * Guest page into domain 0's frame (a WRITE's direction).
     *
     * @return the hypercall's result (0)
     */
    @Benchmark
    public long fromGuest() {
        return copy(from);
    }

    /**
     * Domain 0's frame into the guest page (a READ's direction).
     *
     * @return the hypercall's result (0)
     */
    @Benchmark
    public long toGuest() {
        return copy(to);
    }

    /**
     * Domain 0's frame into the guest page through pv-abi's convenience wrapper
     * ({@code GuestHypercalls.grantTableOp}), which copies the element in and out of the scratch area: it must
     * allocate nothing either.
     *
     * @return the hypercall's result (0)
     */
    @Benchmark
    public long toGuestThroughWrapper() {
        return dom0.grantTableOp(GrantTableOp.COPY, to)
                | to.get(ValueLayout.JAVA_SHORT, GnttabCopyLayout.STATUS_OFFSET);
    }

    /** One element into the scratch page, the hypercall, its status: what blkback's worker does per request. */
    private long copy(MemorySegment element) {
        MemorySegment.copy(element, 0, scratchPage, 0, GnttabCopyLayout.SIZE);
        return dom0.call(GRANT_TABLE_OP, COPY, scratchGpa, 1, 0, 0)
                | scratchPage.get(ValueLayout.JAVA_SHORT, GnttabCopyLayout.STATUS_OFFSET);
    }

    /**
     * The floor: the same page between the same memories with no grant.
     *
     * @return the page copied
     */
    @Benchmark
    public MemorySegment baselineSegmentCopy() {
        MemorySegment.copy(guestPage, 0, dom0Page, 0, GuestMemory.PAGE_SIZE);
        return dom0Page;
    }
}
