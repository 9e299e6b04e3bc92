package io.pvkit.conformance.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GrantStatus;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.hostile.HostileMemory;
import io.pvkit.conformance.property.Property;
import io.pvkit.conformance.property.StateMachine;
import io.pvkit.conformance.spi.Capability;
import io.pvkit.conformance.spi.DomainConfig;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Verifies the grant-table rules ({@link GrantRules}: GNT-01 .. GNT-11, GNT-13 .. GNT-30, FE-09, FE-10)
 * against a hypervisor under test, through {@code __HYPERVISOR_grant_table_op} exactly as guests issue it.
 *
 * <p>Extend it in your test scope:
 * {@snippet :
 * class MyHypervisorGrantConformanceTest extends GrantTableVerification {
 *     @Override
 *     protected HypervisorUnderTest createHypervisor() {
 *         return new MyHypervisorPort();   // implements io.pvkit.conformance.spi.HypervisorUnderTest
 *     }
 * }
 * }
 * Each test creates a fresh hypervisor with three unprivileged domains A, B and C. Each domain sets up one
 * grant-table frame with {@code setup_table(DOMID_SELF, 1)}, writes its own grant entries raw through the
 * {@code grant_entry_v1} layout and revokes them with the protocol of {@code grant_table.h}. Observations
 * are what a guest can see: statuses, the GTF_reading/GTF_writing bits of its own entries, and memory.
 *
 * <p>Hooks: {@link #mappingView} (GNT-15, GNT-19) and {@link #createGrantingGuest} (FE-09, FE-10, GNT-28) return
 * null to skip those rules; {@link #settle} finishes releases the implementation deferred (GNT-19);
 * {@link #maptrackLimit()} declares the maptrack limit GNT-09 checks; {@link #modelSeed()} pins the seed of
 * GNT-18.
 *
 * <p>Hostile entries (GNT-20, GNT-21): every domain is requested with a shared-memory view
 * ({@link DomainConfig#sharedView}) that is the kit's {@link HostileMemory} over the domain's memory. An
 * implementation that declares {@link Capability#SHARED_MEMORY_VIEW} reaches the grant entries through it, so
 * the kit counts the implementation's reads of an entry and changes the entry right after the first one, on
 * purpose and the same way every run; without the capability those {@code optional_} checks are skipped.
 */
public abstract class GrantTableVerification {
    private static final int OKAY = GrantStatus.OKAY.code();
    private static final int BAD_GNTREF = GrantStatus.BAD_GNTREF.code();
    private static final int BAD_HANDLE = GrantStatus.BAD_HANDLE.code();
    private static final int BAD_COPY_ARG = GrantStatus.BAD_COPY_ARG.code();
    private static final int NO_SPACE = GrantStatus.NO_SPACE.code();
    private static final int HOST = GntMap.HOST_MAP;
    private static final int RO = GntMap.READONLY;
    private static final int BUSY = GrantFlags.READING | GrantFlags.WRITING;
    private static final int FIRST_REF = 8;
    /** The largest maptrack limit GNT-09 exercises. */
    protected static final int MAX_TESTED_MAPTRACK = 16384;

    private HypervisorUnderTest hypervisor;
    private final List<DomainUnderTest> domains = new ArrayList<>();
    /** Grant-issuing test domains. */
    private GrantDomain a;
    private GrantDomain b;
    private GrantDomain c;

    /** For subclasses. */
    protected GrantTableVerification() {
    }

    /**
     * Creates a fresh hypervisor under test; called before every test method and closed after it.
     *
     * @return the hypervisor
     */
    protected abstract HypervisorUnderTest createHypervisor();

    /**
     * The memory of each test domain in frames.
     *
     * @return at least 24 (default 32)
     */
    protected long domainFrames() {
        return 32;
    }

    /**
     * The in-process view of a live host mapping, for GNT-15.
     *
     * @param hypervisor the hypervisor under test
     * @param mapper the domain that holds the mapping
     * @param handle the mapping handle
     * @return the view, or null when the implementation has none (GNT-15 is then skipped)
     */
    protected MemorySegment mappingView(HypervisorUnderTest hypervisor, DomainUnderTest mapper, int handle) {
        return null;
    }

    /**
     * The implementation's guest-side granting code over a domain's grant table, for FE-09, FE-10 and GNT-28.
     *
     * @param domain the granting domain
     * @param tableFrames the frames of its grant table (from setup_table)
     * @return the adapter, or null to skip FE-09, FE-10 and GNT-28
     */
    protected GrantingGuest createGrantingGuest(DomainUnderTest domain, long[] tableFrames) {
        return null;
    }

    /**
     * The maximum number of mappings (maptrack entries) one domain may hold in the hypervisor under test, for
     * GNT-09, GNT-29 and GNT-30. A hypervisor must have a limit: the default, 0, declares none and those rules
     * fail. Keep it small in the test configuration (GNT-09 and GNT-30 make that many mappings; at most
     * {@value #MAX_TESTED_MAPTRACK}), but above 128 so that GNT-29 reaches a pin counter's bound (with a smaller
     * limit the maptrack bounds the pins first, and GNT-29 checks only the mappings below it).
     *
     * @return the per-domain maptrack limit, or 0 for "no limit"
     */
    protected int maptrackLimit() {
        return 0;
    }

    /**
     * Gives the implementation the chance to finish releases it had to defer, for GNT-19: called after the
     * I/O that held a mapping's view completed. An implementation that cannot end a view while I/O uses it
     * defers the end (keeping the pin) and finishes it here, or on its own. Default: nothing.
     *
     * @param hypervisor the hypervisor under test
     */
    protected void settle(HypervisorUnderTest hypervisor) {
    }

    /**
     * The seed of the GNT-18 model-based test. The default, null, draws fresh random seeds
     * ({@code -Dpvkit.tries} of them, or exactly {@code -Dpvkit.seed}); a value runs exactly one sequence
     * with that seed (used by the kit's self-test to make a broken implementation's verdict reproducible).
     *
     * @return the seed, or null for random seeds
     */
    protected Long modelSeed() {
        return null;
    }

    /** Creates the hypervisor and the domains A, B, C. */
    @BeforeEach
    public void setUpHypervisor() {
        hypervisor = createHypervisor();
        assertNotNull(hypervisor, "createHypervisor() returned null");
        a = create();
        b = create();
        c = create();
    }

    private GrantDomain create() {
        HostileMemory[] view = new HostileMemory[1];
        DomainUnderTest d = hypervisor.createDomain(new DomainConfig(domainFrames(), 1, false)
                .withSharedMemoryView(memory -> view[0] = new HostileMemory(memory)));
        domains.add(d);
        return new GrantDomain(d, view[0]);
    }

    /** Destroys the domains and closes the hypervisor. */
    @AfterEach
    public void tearDownHypervisor() {
        if (hypervisor != null) {
            for (DomainUnderTest d : domains) {
                hypervisor.destroyDomain(d);
            }
            domains.clear();
            hypervisor.close();
        }
    }

    private int refLimit() {
        int[] q = a.querySize(DomId.SELF);
        assertEquals(OKAY, q[0], "query_size(DOMID_SELF)");
        return q[1] * GrantEntryV1Layout.ENTRIES_PER_FRAME;
    }

    // ------------------------------------------------------------------------------------------ GNT-01

    /**
     * Rule {@linkplain GrantRules GNT-01}: references at or beyond the table size are
     * {@code GNTST_bad_gntref} for map, copy and swap_grant_ref.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the range check uses the <em>current</em> table size and unsigned arithmetic on {@code ref};</li>
     *   <li>the check comes before any read of the entry (XSA-18);</li>
     *   <li>the status is written for every element even when the ref is absurd.</li>
     * </ul>
     */
    @Test
    public void required_GNT_01_outOfRangeRefsAreBadGntref() {
        int limit = refLimit();
        a.grant(FIRST_REF, b.domid(), a.data(0), false);
        byte[] tableBefore = frameBytes(a, a.tableFrames[0]);
        for (long ref : new long[] {limit, limit + 1L, 0x8000_0000L, 0xFFFF_FFFFL}) {
            assertEquals(BAD_GNTREF, b.map(a.domid(), ref, HOST, 0x1000).status(), "map of ref " + ref);
            assertEquals(BAD_GNTREF, b.copy(new GrantDomain.Copy(ref, a.domid(), 0, b.data(0), DomId.SELF, 0, 8,
                    GntCopy.SOURCE_GREF))[0], "copy from ref " + ref);
            long swap = a.swap(ref, FIRST_REF);
            if (swap != XenErrno.ENOSYS.negated()) {
                assertEquals(BAD_GNTREF, swap, "swap_grant_ref(" + ref + ", 8)");
            }
        }
        assertArrayEquals(tableBefore, frameBytes(a, a.tableFrames[0]), "the granter's table is untouched");
    }

    // ------------------------------------------------------------------------------------------ GNT-02

    /**
     * Rule {@linkplain GrantRules GNT-02}: only the grantee can map, naming the right granter.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the entry's domid is compared with the <em>mapping</em> domain, inside the same CAS that sets the
     *       busy bits;</li>
     *   <li>the granting domain is looked up by id and an unknown id is {@code GNTST_bad_domain};</li>
     *   <li>statuses are negative GNTST codes, never 1 (XSA-316).</li>
     * </ul>
     */
    @Test
    public void required_GNT_02_onlyTheGranteeCanMap() {
        a.grant(FIRST_REF, b.domid(), a.data(0), false);
        assertNegative(c.map(a.domid(), FIRST_REF, HOST, 0x1000).status(), "map by a domain that is not the grantee");
        assertNegative(b.map(c.domid(), FIRST_REF, HOST, 0x1000).status(), "map naming the wrong granter");
        assertNegative(b.map(0x7FEF, FIRST_REF, HOST, 0x1000).status(), "map naming an unknown granter");
        assertEquals(0, a.busy(FIRST_REF), "failed maps leave no busy bits");
        GrantDomain.Mapped ok = b.map(a.domid(), FIRST_REF, HOST, 0x1000);
        assertEquals(OKAY, ok.status(), "the grantee can map");
        assertNegative(c.map(a.domid(), FIRST_REF, HOST | RO, 0x1000).status(), "map by another domain while pinned");
    }

    // ------------------------------------------------------------------------------------------ GNT-03

    /**
     * Rule {@linkplain GrantRules GNT-03}: a read-only grant is never written.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>GTF_readonly is checked on the value the map CAS replaces, for first pins and for upgrades;</li>
     *   <li>copy acquires its destination as a writable use;</li>
     *   <li>a failed acquisition does not leave GTF_reading set.</li>
     * </ul>
     */
    @Test
    public void required_GNT_03_readOnlyGrantIsNeverWritten() {
        a.fillFrame(a.data(0), (byte) 0x3C);
        a.grant(FIRST_REF, b.domid(), a.data(0), true);
        assertNegative(b.map(a.domid(), FIRST_REF, HOST, 0x1000).status(), "writable map of a read-only grant");
        assertEquals(0, a.busy(FIRST_REF), "no busy bits after the refused map");
        b.fillFrame(b.data(0), (byte) 0x11);
        assertNegative(b.copy(new GrantDomain.Copy(b.data(0), DomId.SELF, 0, FIRST_REF, a.domid(), 0, 64,
                GntCopy.DEST_GREF))[0], "copy into a read-only grant");
        assertEquals(0x3C, a.byteAt(a.data(0), 0), "the granted frame is unchanged");
        assertEquals(0, a.busy(FIRST_REF), "no busy bits after the refused copy");
        GrantDomain.Mapped ro = b.map(a.domid(), FIRST_REF, HOST | RO, 0x1000);
        assertEquals(OKAY, ro.status(), "read-only map of a read-only grant");
        assertEquals(GrantFlags.READING, a.busy(FIRST_REF), "a read-only map sets GTF_reading only");
        assertNegative(b.map(a.domid(), FIRST_REF, HOST, 0x2000).status(), "upgrade to writable while pinned");
    }

    // ------------------------------------------------------------------------------------------ GNT-04

    /**
     * Rule {@linkplain GrantRules GNT-04}: GTF_writing follows the writable mappings exactly.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>read-only and writable pins are counted separately;</li>
     *   <li>unmapping a read-only mapping never clears GTF_writing;</li>
     *   <li>the host and the device part of one handle are unmapped independently (XSA-224).</li>
     * </ul>
     */
    @Test
    public void required_GNT_04_writingFollowsWritableMappings() {
        a.grant(FIRST_REF, b.domid(), a.data(0), false);
        GrantDomain.Mapped rw = b.map(a.domid(), FIRST_REF, HOST, 0x1000);
        GrantDomain.Mapped ro = b.map(a.domid(), FIRST_REF, HOST | RO, 0x2000);
        assertEquals(OKAY, rw.status());
        assertEquals(OKAY, ro.status());
        assertEquals(OKAY, b.unmap(ro.handle(), 0x2000, 0));
        assertEquals(BUSY, a.busy(FIRST_REF), "GTF_writing and GTF_reading stay after a read-only unmap");
        assertEquals(OKAY, b.unmap(rw.handle(), 0x1000, 0));
        assertEquals(0, a.busy(FIRST_REF), "both clear after the last mapping");

        GrantDomain.Mapped both = b.map(a.domid(), FIRST_REF, HOST | GntMap.DEVICE_MAP, 0x3000);
        Assumptions.assumeTrue(both.status() == OKAY, "host+device maps not supported (status " + both.status() + ")");
        assertEquals(OKAY, b.unmap(both.handle(), 0x3000, 0), "unmap of the host part");
        assertEquals(BUSY, a.busy(FIRST_REF), "the device part still writes");
        assertEquals(OKAY, b.unmap(both.handle(), 0, both.devBusAddr()), "unmap of the device part");
        assertEquals(0, a.busy(FIRST_REF), "clear after both parts");
    }

    // ------------------------------------------------------------------------------------------ GNT-05

    /**
     * Rule {@linkplain GrantRules GNT-05}: GTF_reading stays while any mapping exists.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the pin count and the flag update are one atomic step under the entry's lock (XSA-218);</li>
     *   <li>GTF_reading is cleared only when the total pin count reaches zero.</li>
     * </ul>
     */
    @Test
    public void required_GNT_05_readingStaysWhileAnyMappingExists() {
        a.grant(FIRST_REF, b.domid(), a.data(0), true);
        GrantDomain.Mapped m1 = b.map(a.domid(), FIRST_REF, HOST | RO, 0x1000);
        GrantDomain.Mapped m2 = b.map(a.domid(), FIRST_REF, HOST | RO, 0x2000);
        assertEquals(OKAY, m1.status());
        assertEquals(OKAY, m2.status());
        assertEquals(OKAY, b.unmap(m1.handle(), 0x1000, 0));
        assertEquals(GrantFlags.READING, a.busy(FIRST_REF), "GTF_reading while the second mapping exists");
        assertFalse(a.revoke(FIRST_REF), "revoke must fail while mapped");
        assertEquals(OKAY, b.unmap(m2.handle(), 0x2000, 0));
        assertEquals(0, a.busy(FIRST_REF));
        assertTrue(a.revoke(FIRST_REF), "revoke succeeds after the last unmap");
    }

    // ------------------------------------------------------------------------------------------ GNT-06

    /**
     * Rule {@linkplain GrantRules GNT-06}: the hypervisor acts on its snapshot while the entry is pinned.
     * While B holds a read-only mapping, the granter rewrites the shared entry with plain stores, one way after
     * the other: another frame (in range and out of range), revoked with domid C, re-granted to C, the busy
     * bit it does not own cleared (a peer-written value that regresses), a transitive type. After each
     * rewrite B's copies and read-only maps of the entry act on the frame pinned at map time, and C, named in
     * the rewritten entry, stays out. Deterministic: every rewrite happens before the operations it affects.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the frame is read once, at the first pin, and kept in the active entry;</li>
     *   <li>a second map or a copy of a pinned entry uses the kept frame, not the shared entry;</li>
     *   <li>a read-only use of a pinned entry does not re-validate the shared flags or domid, and "pinned" is
     *       the hypervisor's own pin count, never the GTF_reading bit the granter can clear.</li>
     * </ul>
     */
    @Test
    public void required_GNT_06_pinnedEntryIsActedOnFromSnapshot() {
        a.fillFrame(a.data(0), (byte) 0x0A);
        a.fillFrame(a.data(1), (byte) 0x0B);
        a.grant(FIRST_REF, b.domid(), a.data(0), true);
        GrantDomain.Mapped m = b.map(a.domid(), FIRST_REF, HOST | RO, 0x1000);
        assertEquals(OKAY, m.status());
        long entry = a.entryGpa(FIRST_REF);
        int pinnedWord = (b.domid() << 16) | GrantFlags.PERMIT_ACCESS | GrantFlags.READONLY | GrantFlags.READING;
        int[][] rewrites = { // {flags+domid word, frame}
            {(b.domid() << 16) | GrantFlags.PERMIT_ACCESS | GrantFlags.READONLY | GrantFlags.READING, (int) a.data(1)},
            {pinnedWord, -1},                                                           // a frame outside memory
            {c.domid() << 16, (int) a.data(1)},                                         // revoked, domid C
            {(c.domid() << 16) | GrantFlags.PERMIT_ACCESS | GrantFlags.READONLY, (int) a.data(1)}, // re-granted to C
            {(b.domid() << 16) | GrantFlags.PERMIT_ACCESS | GrantFlags.READONLY, (int) a.data(0)}, // GTF_reading cleared
            {(b.domid() << 16) | GrantFlags.TRANSITIVE, (int) a.data(1)},                 // another type
        };
        for (int[] w : rewrites) {
            String what = String.format("with the pinned entry rewritten to flags+domid 0x%08x, frame 0x%x", w[0], w[1]);
            a.mem.setIntVolatile(entry + GrantEntryV1Layout.FRAME_OFFSET, w[1]);
            a.mem.setIntVolatile(entry + GrantEntryV1Layout.FLAGS_OFFSET, w[0]);
            b.fillFrame(b.data(1), (byte) 0);
            short cst = b.copy(new GrantDomain.Copy(FIRST_REF, a.domid(), 0, b.data(1), DomId.SELF, 0, 64,
                    GntCopy.SOURCE_GREF))[0];
            assertEquals(OKAY, cst, "copy by the grantee " + what);
            for (int k = 0; k < 64; k += 8) {
                assertEquals(0x0A, b.byteAt(b.data(1), k), "the copy " + what + " used a frame the granter wrote later");
            }
            GrantDomain.Mapped more = b.map(a.domid(), FIRST_REF, HOST | RO, 0x2000);
            assertEquals(OKAY, more.status(), "read-only map by the grantee " + what);
            assertEquals(OKAY, b.unmap(more.handle(), 0x2000, 0));
            assertNegative(c.map(a.domid(), FIRST_REF, HOST | RO, 0x3000).status(),
                    "map by C, named in the rewritten entry, while B's pin holds (" + what + ")");
        }
        a.mem.setIntVolatile(entry + GrantEntryV1Layout.FRAME_OFFSET, (int) a.data(0));
        a.mem.setIntVolatile(entry + GrantEntryV1Layout.FLAGS_OFFSET, pinnedWord);
        assertEquals(OKAY, b.unmap(m.handle(), 0x1000, 0));
        assertEquals(0, a.busy(FIRST_REF), "GTF_reading cleared at the last unmap");
    }

    // ------------------------------------------------------------------------------------------ GNT-20

    /** GNT-20 and GNT-21 (the granter changes an entry under the implementation) live in {@link HostileEntries}. */
    private HostileEntries hostileEntries() {
        return new HostileEntries(hypervisor, a, b, c);
    }

    /**
     * Rule {@linkplain GrantRules GNT-20}: an entry that is not in use is read once per map or copy, and checked
     * on the value the compare-and-swap replaces. Through a {@code HostileMemory} view of the granter's table,
     * the granter changes the entry right after the implementation's first read of a field, on purpose: it
     * re-grants the entry to C, makes it read-only, or points it at another frame. The map must be refused,
     * or act on the frame it read once; and the flags+domid word is accessed at most twice per uncontended map
     * (a load and a compare-and-swap), the frame once per first pin.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>type, domid and GTF_readonly are checked on the value the CAS replaces (its witness on failure),
     *       never on an earlier load followed by a CAS on a fresh one (a time-of-check to time-of-use gap);</li>
     *   <li>the frame is read exactly once, after the CAS, and that value is both validated and used;</li>
     *   <li>every access to the entries goes through {@code DomainConfig.sharedView(memory)}.</li>
     * </ul>
     */
    @Test
    public void optional_GNT_20_entryIsReadOnceAndCheckedOnTheValueTheSwapReplaces() {
        hostileEntries().entryIsReadOnceAndCheckedOnTheSwappedValue();
    }

    /**
     * Rule {@linkplain GrantRules GNT-20}: a granter that changes the entry after every access the implementation
     * makes to it (a harmless flag, GTF_PCD, toggled each time) is given up on after a bounded number of failed
     * compare-and-swaps, with a negative status and no busy bit, for a map and for a copy: the granter cannot
     * keep a hypervisor thread looping.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the set-status loop counts its attempts and fails after a few (Xen: 5, "unstable entry");</li>
     *   <li>a failed attempt leaves the word as the granter wrote it (no busy bit set by a half-done loop).</li>
     * </ul>
     */
    @Test
    public void optional_GNT_20_unstableEntryIsGivenUpAfterBoundedAttempts() {
        hostileEntries().unstableEntryIsGivenUp();
    }

    // ------------------------------------------------------------------------------------------ GNT-21

    /**
     * Rule {@linkplain GrantRules GNT-21}: the frame is read only after the entry was seen valid. The granter
     * publishes an entry frame first and flags last; here the entry is not granted yet (flags 0, a stale frame
     * from an earlier grant), and the granter publishes it (new frame, then flags) right after the
     * implementation's first read of the frame. An implementation that reads the frame before the flags would
     * pin the now valid entry with the stale frame it read before the entry was published; the map or copy must
     * fail (the entry was not granted when read) or use the published frame.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the frame is read after the compare-and-swap that set GTF_reading succeeded (an acquire), never
     *       before or together with the flags;</li>
     *   <li>nothing is cached from an entry that was not valid when it was read.</li>
     * </ul>
     */
    @Test
    public void optional_GNT_21_frameIsReadOnlyAfterTheEntryIsSeenValid() {
        hostileEntries().frameIsReadOnlyAfterTheEntryIsSeenValid();
    }

    // ------------------------------------------------------------------------------------------ GNT-07

    /**
     * Rule {@linkplain GrantRules GNT-07}: revoke fails while mapped and works after unmap.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>map sets GTF_reading (and GTF_writing) with a CAS on the 32-bit flags+domid word;</li>
     *   <li>unmap clears them only after the mapping is gone;</li>
     *   <li>a map of an entry whose flags are 0 fails.</li>
     * </ul>
     */
    @Test
    public void required_GNT_07_revokeFailsWhileMapped() {
        a.grant(FIRST_REF, b.domid(), a.data(0), false);
        GrantDomain.Mapped m = b.map(a.domid(), FIRST_REF, HOST, 0x1000);
        assertEquals(OKAY, m.status());
        assertFalse(a.revoke(FIRST_REF), "revoke while mapped");
        assertEquals(GrantFlags.PERMIT_ACCESS, a.flags(FIRST_REF) & GrantFlags.TYPE_MASK, "the grant is still valid");
        assertEquals(OKAY, b.unmap(m.handle(), 0x1000, 0));
        assertTrue(a.revoke(FIRST_REF), "revoke after unmap");
        assertNegative(b.map(a.domid(), FIRST_REF, HOST, 0x1000).status(), "map of a revoked entry");
        assertEquals(0, a.busy(FIRST_REF));
    }

    // ------------------------------------------------------------------------------------------ GNT-08

    /**
     * Rule {@linkplain GrantRules GNT-08}: bad, stale and double unmaps are {@code GNTST_bad_handle}.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the handle is range-checked and must name a live maptrack entry of the caller;</li>
     *   <li>a freed handle is marked free before any count is dropped, so a second unmap finds nothing;</li>
     *   <li>a handle reused for a new mapping is not reachable through the old value, or at least counts
     *       never go below zero.</li>
     * </ul>
     */
    @Test
    public void required_GNT_08_badStaleAndDoubleUnmaps() {
        a.grant(FIRST_REF, b.domid(), a.data(0), false);
        assertEquals(BAD_HANDLE, b.unmap(0x7654321, 0x1000, 0), "bogus handle");
        assertEquals(BAD_HANDLE, b.unmap(-1, 0x1000, 0), "handle 0xFFFFFFFF");
        assertEquals(BAD_HANDLE, b.unmap(0x7FFF_FFFF, 0x1000, 0), "handle 0x7FFFFFFF");
        assertEquals(BAD_HANDLE, b.unmap(0xFFFF, 0x1000, 0), "handle 0xFFFF");
        GrantDomain.Mapped x = b.map(a.domid(), FIRST_REF, HOST, 0x1000);
        GrantDomain.Mapped y = b.map(a.domid(), FIRST_REF, HOST, 0x2000);
        assertEquals(OKAY, x.status());
        assertEquals(OKAY, y.status());
        assertEquals(BAD_HANDLE, c.unmap(x.handle(), 0x1000, 0), "another domain's handle");
        assertEquals(OKAY, b.unmap(x.handle(), 0x1000, 0));
        assertEquals(BAD_HANDLE, b.unmap(x.handle(), 0x1000, 0), "double unmap");
        assertEquals(BUSY, a.busy(FIRST_REF), "the double unmap did not drop y's pin");
        assertEquals(OKAY, b.unmap(y.handle(), 0x2000, 0));
        assertEquals(0, a.busy(FIRST_REF));
        assertEquals(BAD_HANDLE, b.unmap(y.handle(), 0x2000, 0), "double unmap of the last mapping");
        assertEquals(0, a.busy(FIRST_REF), "no count went below zero");
    }

    // ------------------------------------------------------------------------------------------ GNT-09

    /**
     * Rule {@linkplain GrantRules GNT-09}: maptrack exhaustion is {@code GNTST_no_space} and recoverable.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the maptrack has a limit per domain, {@link #maptrackLimit()} declares it, and a full maptrack is
     *       reported as no_space (not general_error);</li>
     *   <li>unmapping returns the handle to the free list, and the free list holds every slot of the limit (a
     *       maptrack that grows keeps the slots freed before it grew, and has room for all of them after).</li>
     * </ul>
     */
    @Test
    public void required_GNT_09_maptrackExhaustionIsRecoverable() {
        int limit = maptrackLimit();
        assertTrue(limit > 0, "the implementation declares no maptrack limit (maptrackLimit() = " + limit
                + "): an unbounded maptrack lets one guest exhaust hypervisor memory (XSA-218/228)");
        assertTrue(limit <= MAX_TESTED_MAPTRACK, "declared maptrack limit " + limit + " is above "
                + MAX_TESTED_MAPTRACK + "; configure a smaller one for the test");
        // enough references that no entry's pin counters (128 per kind) get near their bound
        int refs = Math.min(GrantEntryV1Layout.ENTRIES_PER_FRAME - FIRST_REF, Math.max(64, limit / 64 + 1));
        for (int r = 0; r < refs; r++) {
            a.grant(FIRST_REF + r, b.domid(), a.data(0), true);
        }
        // some slots freed before the maptrack fills (and, in an implementation that grows it, before it grows)
        int early = limit >= 8 ? 4 : 0;
        long earlyAddr = 0x4000_0000L;
        List<GrantDomain.Mapped> kept = new ArrayList<>();
        for (int j = 0; j < 2 * early; j++) {
            GrantDomain.Mapped m = b.map(a.domid(), FIRST_REF + j, HOST | RO, earlyAddr + 0x1000L * j);
            assertEquals(OKAY, m.status(), "early map " + (j + 1));
            if (j % 2 == 0) {
                assertEquals(OKAY, b.unmap(m.handle(), earlyAddr + 0x1000L * j, 0), "early unmap " + (j + 1));
            } else {
                kept.add(m);
            }
        }
        List<GrantDomain.Mapped> held = new ArrayList<>();
        for (int i = 0; i < limit - early; i++) {
            GrantDomain.Mapped m = b.map(a.domid(), FIRST_REF + (i % refs), HOST | RO, 0x1000 + 0x1000L * i);
            assertEquals(OKAY, m.status(), "map " + (i + 1 + early) + " of the declared limit " + limit + " ("
                    + early + " of them held since before " + early + " earlier mappings were unmapped)");
            held.add(m);
        }
        assertEquals(NO_SPACE, b.map(a.domid(), FIRST_REF, HOST | RO, 0x1000).status(),
                "the first map beyond the declared maptrack limit " + limit);
        assertEquals(NO_SPACE, b.map(a.domid(), FIRST_REF + 1, HOST | RO, 0x2000).status(), "and the next one");
        GrantDomain.Mapped first = held.removeFirst();
        assertEquals(OKAY, b.unmap(first.handle(), 0x1000, 0));
        GrantDomain.Mapped again = b.map(a.domid(), FIRST_REF, HOST | RO, 0x1000);
        assertEquals(OKAY, again.status(), "mapping works again after an unmap");
        held.addFirst(again);
        assertEquals(NO_SPACE, b.map(a.domid(), FIRST_REF, HOST | RO, 0x3000).status(), "and the limit still holds");
        assertEquals(limit - early, held.size());

        // every slot freed at once (more free slots than a maptrack starts with), then the whole limit mapped again
        for (int i = 0; i < held.size(); i++) {
            assertEquals(OKAY, b.unmap(held.get(i).handle(), 0x1000 + 0x1000L * i, 0), "unmap " + (i + 1) + " of "
                    + limit);
        }
        for (int j = 0; j < kept.size(); j++) {
            assertEquals(OKAY, b.unmap(kept.get(j).handle(), earlyAddr + 0x1000L * (2 * j + 1), 0), "unmap of early "
                    + "mapping " + (2 * j + 2));
        }
        for (int r = 0; r < refs; r++) {
            assertEquals(0, a.busy(FIRST_REF + r), "busy bits of entry " + (FIRST_REF + r) + " after every unmap");
        }
        held.clear();
        for (int i = 0; i < limit; i++) {
            GrantDomain.Mapped m = b.map(a.domid(), FIRST_REF + (i % refs), HOST | RO, 0x1000 + 0x1000L * i);
            assertEquals(OKAY, m.status(), "map " + (i + 1) + " of the declared limit " + limit
                    + " after all " + limit + " mappings were unmapped");
            held.add(m);
        }
        assertEquals(NO_SPACE, b.map(a.domid(), FIRST_REF, HOST | RO, 0x1000).status(),
                "the first map beyond the declared limit " + limit + " after every slot was reused");
        for (int i = 0; i < limit; i++) {
            assertEquals(OKAY, b.unmap(held.get(i).handle(), 0x1000 + 0x1000L * i, 0), "unmap " + (i + 1)
                    + " of the reused slots");
        }
    }

    // ------------------------------------------------------------------------------------------ GNT-10

    /**
     * Rule {@linkplain GrantRules GNT-10}: every element of a copy batch gets its status.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>offset + length is checked per side against the page size, without 16- or 32-bit overflow
     *       ({@code len > PAGE_SIZE - offset});</li>
     *   <li>a refused or failed element releases every pin it took;</li>
     *   <li>a zero length returns okay before any reference or frame is looked up;</li>
     *   <li>a failing element does not stop the batch, and every status is written (XSA-318).</li>
     * </ul>
     */
    @Test
    public void required_GNT_10_everyCopyElementGetsItsStatus() {
        a.fillFrame(a.data(0), (byte) 0x5D);
        a.grant(FIRST_REF, b.domid(), a.data(0), true);
        b.fillFrame(b.data(0), (byte) 0);
        b.fillFrame(b.data(1), (byte) 0);
        b.fillFrame(b.data(2), (byte) 0);
        short[] st = b.copy(
                new GrantDomain.Copy(FIRST_REF, a.domid(), 0, b.data(0), DomId.SELF, 0, 64, GntCopy.SOURCE_GREF),
                new GrantDomain.Copy(FIRST_REF, a.domid(), 4000, b.data(0), DomId.SELF, 0, 200, GntCopy.SOURCE_GREF),
                new GrantDomain.Copy(0xFFFF_FFFFL, a.domid(), 0, 0xFFFF_FFFFL, DomId.SELF, 0, 0, GntCopy.SOURCE_GREF),
                new GrantDomain.Copy(0xFFFF_FFF0L, a.domid(), 0, b.data(1), DomId.SELF, 0, 8, GntCopy.SOURCE_GREF),
                new GrantDomain.Copy(FIRST_REF, a.domid(), 0, b.data(1), DomId.SELF, 4000, 96, GntCopy.SOURCE_GREF));
        assertEquals(OKAY, st[0], "element 0: a valid copy");
        assertEquals(BAD_COPY_ARG, st[1], "element 1: crosses the page");
        assertEquals(OKAY, st[2], "element 2: zero length is a no-op");
        assertEquals(BAD_GNTREF, st[3], "element 3: bad reference");
        assertEquals(OKAY, st[4], "element 4: a valid copy after failures");
        assertEquals(0x5D, b.byteAt(b.data(0), 63));
        assertEquals(0, b.byteAt(b.data(0), 64), "nothing beyond the length");
        assertEquals(0x5D, b.byteAt(b.data(1), 4095));
        assertEquals(0, b.byteAt(b.data(1), 3999));
        assertEquals(0, a.busy(FIRST_REF), "copies release the grant");

        // u16 offsets and lengths whose sum crosses the page, including sums that wrap 16 bits
        int[][] huge = {{0xFFFF, 0, 1}, {0, 0xFFFF, 1}, {0, 0, 0xFFFF}, {0xFFFF, 0xFFFF, 0xFFFF}, {0x8000, 0, 0x8000},
                {1, 0, 0xFFFF}, {4096, 0, 1}, {0, 4096, 1}};
        for (int[] h : huge) {
            String what = "copy with source offset " + h[0] + ", dest offset " + h[1] + ", length " + h[2];
            assertEquals(BAD_COPY_ARG, b.copy(new GrantDomain.Copy(FIRST_REF, a.domid(), h[0], b.data(2), DomId.SELF,
                    h[1], h[2], GntCopy.SOURCE_GREF))[0], what);
            assertEquals(0, a.busy(FIRST_REF), what + " left the grant busy");
        }
        for (int i = 0; i < GuestMemory.PAGE_SIZE; i += 256) {
            assertEquals(0, b.byteAt(b.data(2), i), "a refused copy wrote byte " + i);
        }
        assertTrue(a.revoke(FIRST_REF), "the grant can be revoked after the refused copies");
    }

    // ------------------------------------------------------------------------------------------ GNT-11

    /**
     * Rule {@linkplain GrantRules GNT-11}: transitive and sub-page entries of a v1 table are refused promptly.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the type check is {@code (flags & (GTF_type_mask | GTF_sub_page)) == GTF_permit_access} for maps;</li>
     *   <li>transitive entries are only legal in v2 tables and never followed recursively (XSA-226).</li>
     * </ul>
     */
    @Test
    public void required_GNT_11_transitiveAndSubPageEntriesAreRefused() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            // a transitive entry that names its own table and ref: a loop if it were followed
            a.grant(FIRST_REF, b.domid(), FIRST_REF, GrantFlags.TRANSITIVE);
            assertNegative(b.map(a.domid(), FIRST_REF, HOST | RO, 0x1000).status(), "map of a transitive entry");
            assertNegative(b.copy(new GrantDomain.Copy(FIRST_REF, a.domid(), 0, b.data(0), DomId.SELF, 0, 8,
                    GntCopy.SOURCE_GREF))[0], "copy from a transitive entry");
            a.grant(FIRST_REF + 1, b.domid(), a.data(0), GrantFlags.PERMIT_ACCESS | GrantFlags.SUB_PAGE);
            assertNegative(b.map(a.domid(), FIRST_REF + 1, HOST | RO, 0x1000).status(), "map of a sub-page entry");
            assertEquals(0, a.busy(FIRST_REF));
            assertEquals(0, a.busy(FIRST_REF + 1));
        });
    }

    // ------------------------------------------------------------------------------------------ GNT-13

    /**
     * Rule {@linkplain GrantRules GNT-13}: huge frame counts are refused without writing the output array.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>nr_frames is compared with the table maximum before anything is written;</li>
     *   <li>the output array's capacity (all nr_frames entries inside the caller's memory) is checked before
     *       the first entry is written, also when nr_frames is allowed (XSA-382);</li>
     *   <li>get_status_frames on a v1 table fails.</li>
     * </ul>
     */
    @Test
    public void required_GNT_13_hugeFrameCountsAreRefused() {
        long list = a.scratch + 2048;
        for (int i = 0; i < 8; i++) {
            a.mem.setLong(list + 8L * i, 0x5A5A_5A5A_5A5A_5A5AL);
        }
        for (long nr : new long[] {0xFFFF_FFFFL, 0x4000_0000L, 1 << 20}) {
            assertNegative(a.setupTable(DomId.SELF, nr, list), "setup_table(" + nr + ")");
            assertNegative(a.getStatusFrames(DomId.SELF, nr, list), "get_status_frames(" + nr + ")");
            for (int i = 0; i < 8; i++) {
                assertEquals(0x5A5A_5A5A_5A5A_5A5AL, a.mem.getLong(list + 8L * i), "frame list entry " + i + " written");
            }
        }

        // XSA-382 proper: an allowed count whose OUTPUT array runs past (or straddles) the end of the caller's
        // memory must be refused before any frame number is written
        int max = a.querySize(DomId.SELF)[2];
        long nr = Math.max(1, Math.min(max, 4)); // setup_table(1) is always allowed (it set up the table)
        long end = GuestMemory.gpaOf(a.mem.frames());
        long guard = end - 64;
        for (long at : new long[] {end, end - 8 * (nr - 1), end - 4, end + 0x1000}) {
            if (at < guard) {
                continue; // nr == 1: "straddling by nr-1 elements" would be inside memory
            }
            a.mem.fill(guard, 64, (byte) 0xA5);
            int st = a.setupTable(DomId.SELF, nr, at);
            assertNegative(st, "setup_table(" + nr + " of max " + max + ") with frame_list at end of memory "
                    + (at - end >= 0 ? "+" : "") + (at - end));
            for (long p = guard; p < end; p++) {
                assertEquals((byte) 0xA5, a.mem.getByte(p), "byte " + (p - end) + " before the end of memory was "
                        + "written by setup_table(" + nr + ") whose frame_list starts at end " + (at - end));
            }
        }
    }

    // ------------------------------------------------------------------------------------------ GNT-14

    /**
     * Rule {@linkplain GrantRules GNT-14}: domain death releases and revokes all its mappings.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>destroying a domain walks its maptrack and unpins every entry it mapped (its granters' busy bits
     *       clear);</li>
     *   <li>mappings other domains hold of the dead domain's grants are torn down and their handles
     *       invalidated;</li>
     *   <li>the walk is bounded per step (XSA-380).</li>
     * </ul>
     */
    @Test
    public void required_GNT_14_domainDeathTearsDownMappings() {
        int n = 40;
        for (int r = 0; r < n; r++) {
            a.grant(FIRST_REF + r, b.domid(), a.data(r % 4), r % 2 == 0);
            assertEquals(OKAY, b.map(a.domid(), FIRST_REF + r, HOST | (r % 2 == 0 ? RO : 0), 0x1000L * (r + 1)).status());
        }
        c.grant(FIRST_REF, b.domid(), c.data(0), true);
        assertEquals(OKAY, b.map(c.domid(), FIRST_REF, HOST | RO, 0x100000).status());
        b.grant(FIRST_REF, c.domid(), b.data(0), true);
        GrantDomain.Mapped held = c.map(b.domid(), FIRST_REF, HOST | RO, 0x1000);
        assertEquals(OKAY, held.status());

        hypervisor.destroyDomain(b.dom);
        domains.remove(b.dom);
        for (int r = 0; r < n; r++) {
            assertEquals(0, a.busy(FIRST_REF + r), "entry " + (FIRST_REF + r) + " still busy after its mapper died");
            assertTrue(a.revoke(FIRST_REF + r), "the granter can revoke after its mapper died");
        }
        assertEquals(0, c.busy(FIRST_REF));
        assertEquals(BAD_HANDLE, c.unmap(held.handle(), 0x1000, 0), "a mapping of the dead domain's grant is gone");
    }

    // ------------------------------------------------------------------------------------------ GNT-15

    /**
     * Rule {@linkplain GrantRules GNT-15}: the in-process view of a mapping honours read-only and dies at unmap.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>a read-only map hands out {@code segment.asReadOnly()};</li>
     *   <li>unmap ends the view's scope (closes its arena) before the pin is dropped.</li>
     * </ul>
     */
    @Test
    public void optional_GNT_15_mappingViewDiesAtUnmap() {
        a.fillFrame(a.data(0), (byte) 0x77);
        a.grant(FIRST_REF, b.domid(), a.data(0), true);
        GrantDomain.Mapped m = b.map(a.domid(), FIRST_REF, HOST | RO, 0x1000);
        assertEquals(OKAY, m.status());
        MemorySegment view = mappingView(hypervisor, b.dom, m.handle());
        Assumptions.assumeTrue(view != null, "the implementation has no in-process mapping view");
        assertEquals(0x77, view.get(ValueLayout.JAVA_BYTE, 100), "the view shows the granted frame");
        assertTrue(view.isReadOnly(), "the view of a read-only map is read-only");
        assertThrows(RuntimeException.class, () -> view.set(ValueLayout.JAVA_BYTE, 0, (byte) 1));
        assertEquals(OKAY, b.unmap(m.handle(), 0x1000, 0));
        assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_BYTE, 0), "access after unmap");
    }

    // ------------------------------------------------------------------------------------------ GNT-16

    /**
     * Rule {@linkplain GrantRules GNT-16}: setup_table and query_size agree.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>query_size reports nr_frames &gt;= 1 and max_nr_frames &gt;= nr_frames;</li>
     *   <li>setup_table grows the table and lists distinct frames inside the domain's memory;</li>
     *   <li>setup_table for another domain needs privilege.</li>
     * </ul>
     */
    @Test
    public void required_GNT_16_setupAndQuerySizeAgree() {
        int[] q = a.querySize(DomId.SELF);
        assertEquals(OKAY, q[0]);
        assertTrue(q[1] >= 1 && q[2] >= q[1], "nr_frames " + q[1] + ", max " + q[2]);
        int want = Math.min(q[2], 2);
        long list = a.scratch + 2048;
        assertEquals(OKAY, a.setupTable(DomId.SELF, want, list));
        long[] frames = new long[want];
        for (int i = 0; i < want; i++) {
            frames[i] = a.mem.getLong(list + 8L * i);
            assertTrue(frames[i] >= 0 && frames[i] < a.mem.frames(), "frame " + frames[i]);
            for (int j = 0; j < i; j++) {
                assertTrue(frames[i] != frames[j], "duplicate frame " + frames[i]);
            }
        }
        assertEquals(want, a.querySize(DomId.SELF)[1], "query_size after setup_table");
        assertNegative(a.setupTable(DomId.SELF, q[2] + 1L, list), "setup_table beyond the maximum");
        assertNegative(a.setupTable(b.domid(), 1, list), "unprivileged setup_table of another domain");
    }

    // ------------------------------------------------------------------------------------------ GNT-17

    /**
     * Rule {@linkplain GrantRules GNT-17}: a bad argument array is -EFAULT; count 0 touches nothing; a count
     * with the top bit set is -EINVAL before anything is touched.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>every element's address is translated and bounds-checked before it is read;</li>
     *   <li>an exception from a bad guest address becomes -EFAULT, never escapes;</li>
     *   <li>{@code count} is an unsigned int whose top bit makes it invalid ({@code (int) count < 0} in Xen),
     *       checked before the first element.</li>
     * </ul>
     */
    @Test
    public void required_GNT_17_badArgumentArrayIsEfault() {
        long efault = XenErrno.EFAULT.negated();
        long end = GuestMemory.gpaOf(b.mem.frames());
        assertEquals(efault, b.op(GrantTableOp.MAP_GRANT_REF, end, 1), "array just past the memory");
        assertEquals(efault, b.op(GrantTableOp.MAP_GRANT_REF, end - GnttabMapGrantRefLayout.SIZE / 2, 1),
                "array straddling the end of memory");
        assertEquals(efault, b.op(GrantTableOp.COPY, -64, 1), "negative address");
        long einval = XenErrno.EINVAL.negated();
        b.mem.setShort(b.scratch + GnttabMapGrantRefLayout.STATUS_OFFSET, (short) 0x7777);
        for (long count : new long[] {0x8000_0000L, 0xFFFF_FFFFL}) {
            assertEquals(einval, b.op(GrantTableOp.MAP_GRANT_REF, b.scratch, count), "count " + count + " (top bit set)");
            assertEquals(einval, b.op(GrantTableOp.UNMAP_GRANT_REF, b.scratch, count), "count " + count + " (top bit set)");
        }
        assertEquals((short) 0x7777, b.mem.getShort(b.scratch + GnttabMapGrantRefLayout.STATUS_OFFSET),
                "a count with the top bit set touched the argument array");
        assertEquals(efault, b.op(GrantTableOp.UNMAP_GRANT_REF, b.scratch, 0x7FFF_FFFFL), "count runs past memory");
        assertEquals(0, b.op(GrantTableOp.MAP_GRANT_REF, end + 0x10000, 0), "count 0");
    }

    // ------------------------------------------------------------------------------------------ GNT-18

    /**
     * Rule {@linkplain GrantRules GNT-18}: model-based. Random sequences of grant, map, unmap, copy, revoke and
     * domain death across three domains (each with a fresh hypervisor) agree with a model after every step:
     * only the current grantee maps or copies, read-only grants are never mapped writable, revoke succeeds
     * exactly when nothing is mapped, and every entry's GTF_reading/GTF_writing bits match its live mappings.
     * Uses the kit's property engine: {@code -Dpvkit.tries} sequences, a failing one is shrunk and replays
     * with {@code -Dpvkit.seed}.
     *
     * <p>If this fails, check the shrunk step list in the message against the single-rule tests above;
     * it usually points at pin accounting (GNT-04/05), teardown (GNT-14) or the domid check (GNT-02).
     */
    @Test
    public void required_GNT_18_randomSequencesAgreeWithTheModel() {
        StateMachine<GrantModel, GrantModel.Trio> machine = StateMachine.of(GrantModel::initial,
                        () -> new GrantModel.Trio(createHypervisor(), domainFrames()), GrantModel::actions)
                .withInvariant(GrantModel::invariant)
                .withMaxSteps(40);
        Property property = Property.named("GNT-18 grant model");
        Long seed = modelSeed();
        (seed == null ? property : property.seed(seed)).check(machine);
    }

    // ------------------------------------------------------------------------------------------ GNT-19

    /** GNT-19 and GNT-22 (release and teardown while a view is in use by I/O) live in {@link ReleaseDuringIo}. */
    private ReleaseDuringIo releaseDuringIo() {
        return new ReleaseDuringIo(hypervisor, domains, a, b, c, (d, handle) -> mappingView(hypervisor, d, handle),
                () -> settle(hypervisor));
    }

    /**
     * Rule {@linkplain GrantRules GNT-19}: a view in use by I/O at unmap or at the mapper's death keeps its pin
     * while it lives, and neither the pin nor the view outlives the I/O. The I/O is a thread (the one that
     * mapped) blocked in {@code Pipe.sink().write(view.asByteBuffer())} on a full pipe (NIO holds the view's
     * memory session acquired); it ends when the write completes, so the moment is deterministic for a view
     * any thread may close and for one only its mapping thread may. After the I/O, any access to the view
     * must throw (closed, or owned by a thread that has ended). A mapping with a host and a device part (when the
     * implementation maps both) unmapped during the I/O releases both pins once the view is dead; with only its host
     * part unmapped, the device part keeps the entry pinned until its own unmap.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>unmap and teardown end the view <em>before</em> dropping the pin, and a close that fails because the
     *       view is acquired ({@code IllegalStateException: Session is acquired}) is deferred and retried, not
     *       propagated and not ignored;</li>
     *   <li>the handle is not freed (its slot reused) while the deferred view lives;</li>
     *   <li>a deferred release drops only the host part's pin later, and the device part's pin at the unmap that
     *       names it;</li>
     *   <li>{@link #settle} (or the teardown itself) retries the deferred ends, and the domain's teardown
     *       reports "not done" until they happened.</li>
     * </ul>
     *
     * @throws Exception when the pipe or the wait for the I/O fails
     */
    @Test
    public void required_GNT_19_releaseDuringInFlightIoNeitherUnpinsEarlyNorLeaks() throws Exception {
        releaseDuringIo().releaseNeitherUnpinsEarlyNorLeaks();
    }

    // ------------------------------------------------------------------------------------------ GNT-22

    /**
     * Rule {@linkplain GrantRules GNT-22}: a dying domain stays dead for grants while its teardown waits. C holds
     * a mapping whose view is in use by I/O (as in GNT-19), and has granted a page to B; C is destroyed in
     * another thread, whose teardown cannot finish before the I/O completes. In that window C can map nothing
     * new, and B can neither map nor copy C's grant: the teardown's "dying" state is final from its start, so
     * nothing new appears behind the teardown's walk.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the domain is marked dying (refused as mapper and as granter) at the start of its teardown, before
     *       the first mapping is released or the first deferred view is waited for;</li>
     *   <li>nothing clears that mark until the domain is gone.</li>
     * </ul>
     *
     * @throws Exception when the pipe or the wait for the I/O fails
     */
    @Test
    public void required_GNT_22_dyingDomainStaysDeadWhileItsTeardownWaits() throws Exception {
        releaseDuringIo().dyingDomainStaysDead();
    }

    // ---------------------------------------------------------------------------------- GNT-23 .. GNT-26

    /** GNT-23 .. GNT-26 (statuses of arguments, multi-frame tables, batches, other domains) live in {@link OperationStatuses}. */
    private OperationStatuses operationStatuses() {
        return new OperationStatuses(hypervisor, domains, a, b, domainFrames());
    }

    /**
     * Rule {@linkplain GrantRules GNT-23}: a map whose flags name neither {@code GNTMAP_host_map} nor
     * {@code GNTMAP_device_map} is {@code GNTST_bad_gntref}; a map naming a granter that does not exist, or
     * {@code DOMID_SELF}, is {@code GNTST_bad_domain}; an unmap whose {@code host_addr} is not the mapping's, or
     * whose {@code dev_bus_addr} is not the mapped frame's, fails and leaves the mapping; an unmap naming neither
     * part ({@code host_addr} and {@code dev_bus_addr} 0) is okay and unmaps nothing.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>map checks {@code flags & (GNTMAP_host_map | GNTMAP_device_map)} first, and looks the granter up by id
     *       only ({@code rcu_lock_domain_by_id}, which does not know {@code DOMID_SELF});</li>
     *   <li>unmap compares {@code dev_bus_addr} with the mapped frame and {@code host_addr} with the mapping's
     *       address before it releases anything, and releases only the parts the arguments name.</li>
     * </ul>
     */
    @Test
    public void required_GNT_23_mapAndUnmapArgumentsAreCheckedAsXenDoes() {
        operationStatuses().mapAndUnmapArgumentsAreCheckedAsXenDoes();
    }

    /**
     * Rule {@linkplain GrantRules GNT-24}: after {@code setup_table(DOMID_SELF, 2)} a reference of the second
     * table frame ({@code 512 + k}) is the entry at slot {@code k} of {@code frame_list[1]}: a copy reads the frame
     * that entry grants, a map sets its GTF_reading, the same slot of the first frame stays untouched, and
     * {@code 1024} is {@code GNTST_bad_gntref}. Passes trivially when the table's maximum is one frame.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the entry address is {@code frame[ref / 512] + (ref % 512) * 8}, with the frames setup_table
     *       listed;</li>
     *   <li>the per-entry state (pins, the frame snapshot) grows with the table.</li>
     * </ul>
     */
    @Test
    public void required_GNT_24_entriesOfTheSecondTableFrameAreUsed() {
        operationStatuses().entriesOfTheSecondTableFrameAreUsed();
    }

    /**
     * Rule {@linkplain GrantRules GNT-25}: a batch of {@value OperationStatuses#LONG_BATCH} unmaps (more than any
     * per-call bound, so it is continued) returns 0 to the guest, writes every element's status, performs its
     * first and last element, and reads or writes nothing after the last element; {@code setup_table} and
     * {@code query_size} with a count other than 1 are {@code -EINVAL} and write nothing; an unknown command is
     * {@code -ENOSYS}.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the continuation resumes at the first element not done, with the remaining count, and the loop over a
     *       call's elements stops at the count (not one after it);</li>
     *   <li>the single-element commands check {@code count != 1} first (Xen's {@code gnttab_setup_table},
     *       {@code gnttab_query_size}).</li>
     * </ul>
     */
    @Test
    public void required_GNT_25_batchesAreDoneExactly() {
        operationStatuses().batchesAreDoneExactly();
    }

    /**
     * Rule {@linkplain GrantRules GNT-26}: {@code query_size} and {@code setup_table} naming a domain that does not
     * exist are {@code GNTST_bad_domain}, naming another domain from an unprivileged one
     * {@code GNTST_permission_denied}; {@code get_version} is 0 with version 1 for the caller, {@code -ESRCH} for a
     * domain that does not exist, {@code -EPERM} for another domain from an unprivileged one;
     * {@code set_version(1)} is 0 and {@code set_version(0)} or {@code (3)} {@code -EINVAL}, each reporting the
     * version in use; {@code setup_table} of exactly {@code max_nr_frames} is allowed. With
     * {@link Capability#PRIVILEGED_DOMAINS}, a privileged domain reads another domain's
     * size and version and grows its table.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the target domain is looked up ({@code DOMID_SELF} is the caller) before the privilege check, and
     *       only a privileged caller (Xen's XSM_TARGET) passes it for another domain;</li>
     *   <li>{@code set_version} writes the version in use back in every case.</li>
     * </ul>
     */
    @Test
    public void required_GNT_26_tableOperationsOnOtherDomains() {
        operationStatuses().tableOperationsOnOtherDomains();
    }

    /**
     * Rule {@linkplain GrantRules GNT-27}: a copy side given as a frame names the caller's own memory (a frame of
     * another domain is {@code GNTST_permission_denied}, one outside the caller's memory {@code GNTST_bad_page}, and
     * all 64 bits of the frame count, while a reference is only the low 32 bits of the union); a
     * granter that does not exist is {@code GNTST_bad_domain}; a domain that is not the grantee cannot copy an
     * entry, pinned by the grantee or not; a copy into a writable grant the grantee mapped read-only sets
     * GTF_writing only while it runs; and an entry whose frame lies outside the granter's memory is
     * {@code GNTST_bad_page} for map and copy, with no busy bit left behind. Every refused copy releases the side it
     * had already acquired.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>a frame side is allowed only for the caller ({@code gnttab_copy_lock_domain}) and range-checked
     *       against the caller's memory;</li>
     *   <li>a pinned entry is usable only by the domain that pinned it ({@code act->domid});</li>
     *   <li>the frame read after the status CAS is validated, and on failure the busy bits that CAS set are
     *       cleared ({@code unlock_out_clear}).</li>
     * </ul>
     */
    @Test
    public void required_GNT_27_copySidesAndBadFramesAreCheckedAsXenDoes() {
        operationStatuses().copySidesAndBadFramesAreCheckedAsXenDoes(c);
    }

    // ---------------------------------------------------------------------------------- GNT-29, GNT-30

    /** GNT-29 and GNT-30 (pin counters and stale handles of the maptrack) live in {@link MaptrackChecks}. */
    private MaptrackChecks maptrackChecks() {
        return new MaptrackChecks(a, b, maptrackLimit());
    }

    /**
     * Rule {@linkplain GrantRules GNT-29}: B maps one entry of A again and again, one kind of mapping per entry
     * (host read-only, host writable, and, when the implementation maps for devices, device read-only and device
     * writable): 128 mappings succeed and the 129th is {@code GNTST_general_error}, with the busy bits unchanged;
     * after one unmap the entry is mapped again, and after the last unmap it is idle. With a declared maptrack
     * limit of 128 or less only the mappings below the limit are checked.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>each kind of use of an entry has its own pin counter, bounded as Xen's 8-bit {@code GNTPIN_*} fields:
     *       a map is refused while the counter it increments has its top bit (0x80) set, so it reaches 128 and
     *       never wraps;</li>
     *   <li>the refusal comes before the entry's flags are touched and before a maptrack handle is kept;</li>
     *   <li>an unmap lowers the counter, so the bound is not sticky.</li>
     * </ul>
     */
    @Test
    public void required_GNT_29_pinCountersStopAtTheirTopBit() {
        maptrackChecks().pinCountersStopAtTheirTopBit();
    }

    /**
     * Rule {@linkplain GrantRules GNT-30}: B fills its maptrack (the declared limit), unmaps its first mapping and
     * maps again at the same host address, which can only take a freed slot, twice; the first handle must differ
     * from both new ones and stay stale: its unmap is {@code GNTST_bad_handle}, and the new mapping stays (its own unmap
     * succeeds). Xen's handles are bare maptrack indices and fail this SHOULD rule; pvkit's carry a generation.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>a handle carries the slot's generation besides its index, and the generation advances each time
     *       the slot is freed;</li>
     *   <li>the lookup compares the whole handle, not only the index.</li>
     * </ul>
     */
    @Test
    public void optional_GNT_30_staleHandleOfAReusedSlotStaysStale() {
        maptrackChecks().staleHandleOfAReusedSlotStaysStale();
    }

    // ------------------------------------------------------------------------------------------ FE-09

    /**
     * Rule {@linkplain GrantRules FE-09}: the frontend's end of access fails while mapped.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>end of access is a CAS on the flags+domid word that checks GTF_reading|GTF_writing, not a check
     *       followed by a plain store (XSA-396);</li>
     *   <li>the result is reported to the caller, who must not reuse the page.</li>
     * </ul>
     */
    @Test
    public void required_FE_09_frontendRevokeFailsWhileMapped() {
        GrantingGuest guest = createGrantingGuest(a.dom, a.tableFrames.clone());
        Assumptions.assumeTrue(guest != null, "no guest-side granting code supplied");
        int ref = guest.sharePage(b.domid(), a.data(0), false);
        GrantDomain.Mapped m = b.map(a.domid(), ref, HOST, 0x1000);
        assertEquals(OKAY, m.status(), "the backend maps the shared page");
        assertFalse(guest.endAccess(ref), "end of access while mapped must report 'still in use'");
        assertEquals(GrantFlags.PERMIT_ACCESS, a.flags(ref) & GrantFlags.TYPE_MASK, "the grant stays valid");
        assertEquals(OKAY, b.unmap(m.handle(), 0x1000, 0));
        assertTrue(guest.endAccess(ref), "end of access after the unmap");
        assertEquals(0, a.flags(ref) & (GrantFlags.TYPE_MASK | BUSY), "the entry is invalid after the end of access");
    }

    // ------------------------------------------------------------------------------------------ FE-10

    /**
     * Rule {@linkplain GrantRules FE-10}: shared pages are zeroed.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the page is cleared before the grant entry is published (XSA-403);</li>
     *   <li>a reused page from a pool is cleared too.</li>
     * </ul>
     */
    @Test
    public void required_FE_10_sharedPagesAreZeroed() {
        GrantingGuest guest = createGrantingGuest(a.dom, a.tableFrames.clone());
        Assumptions.assumeTrue(guest != null, "no guest-side granting code supplied");
        a.fillFrame(a.data(2), (byte) 0xEE);
        int ref = guest.sharePage(b.domid(), a.data(2), true);
        b.fillFrame(b.data(0), (byte) 0x11);
        assertEquals(OKAY, b.copy(new GrantDomain.Copy(ref, a.domid(), 0, b.data(0), DomId.SELF, 0, 4096,
                GntCopy.SOURCE_GREF))[0], "the backend copies the shared page");
        for (int i = 0; i < GuestMemory.PAGE_SIZE; i++) {
            assertEquals(0, b.byteAt(b.data(0), i), "byte " + i + " of the shared page is stale data");
        }
    }

    // ------------------------------------------------------------------------------------------ GNT-28

    /**
     * Rule {@linkplain GrantRules GNT-28}: the frontend's grant entries. Twelve pages shared with B (read-only and
     * writable alternately) get twelve distinct references, none of them reserved (0 .. 7) or beyond the table,
     * each entry naming exactly B, the page's frame and {@code GTF_permit_access} (plus {@code GTF_readonly} when
     * asked); a reference whose end of access failed because B maps it is not handed out again until it ended.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the free list starts at {@code GNTTAB_NR_RESERVED_ENTRIES} (8; 0 .. 7 belong to the toolstack:
     *       console and xenstore);</li>
     *   <li>the entry is {@code frame}, then {@code domid << 16 | GTF_permit_access [| GTF_readonly]}, no other
     *       bit;</li>
     *   <li>a reference goes back to the free list only after its end of access succeeded.</li>
     * </ul>
     */
    @Test
    public void required_GNT_28_frontendGrantEntriesAreExactAndDistinct() {
        GrantingGuest guest = createGrantingGuest(a.dom, a.tableFrames.clone());
        Assumptions.assumeTrue(guest != null, "no guest-side granting code supplied");
        int n = 12;
        int[] refs = new int[n];
        for (int i = 0; i < n; i++) {
            boolean ro = i % 2 == 0;
            long gfn = a.data(i % 4);
            refs[i] = guest.sharePage(b.domid(), gfn, ro);
            assertTrue(refs[i] >= FIRST_REF && refs[i] < GrantEntryV1Layout.ENTRIES_PER_FRAME, "shared page " + i
                    + " got reference " + refs[i] + ": the references 0..7 are reserved and the table has one frame");
            for (int j = 0; j < i; j++) {
                assertTrue(refs[i] != refs[j], "shared pages " + j + " and " + i + " got the same reference " + refs[i]);
            }
            int word = a.mem.getIntVolatile(a.entryGpa(refs[i]));
            assertEquals(GrantFlags.PERMIT_ACCESS | (ro ? GrantFlags.READONLY : 0), word & 0xFFFF,
                    "the flags of shared page " + i + " (reference " + refs[i] + ", read-only " + ro + ")");
            assertEquals(b.domid(), word >>> 16, "the domid of shared page " + i + " (reference " + refs[i] + ")");
            assertEquals(gfn, Integer.toUnsignedLong(a.mem.getInt(a.entryGpa(refs[i]) + GrantEntryV1Layout.FRAME_OFFSET)),
                    "the frame of shared page " + i + " (reference " + refs[i] + ")");
        }
        int held = refs[1];
        GrantDomain.Mapped m = b.map(a.domid(), held, HOST, 0x1000);
        assertEquals(OKAY, m.status(), "the backend maps shared page 1");
        assertFalse(guest.endAccess(held), "end of access of the mapped page");
        for (int i = 0; i < n; i += 2) {
            assertTrue(guest.endAccess(refs[i]), "end of access of the unmapped page " + i);
        }
        int[] again = new int[n];
        for (int i = 0; i < n; i++) {
            again[i] = guest.sharePage(b.domid(), a.data(4 + i % 4), true);
            assertTrue(again[i] != held, "reference " + held + " was handed out again while its end of access had failed");
        }
        for (int r : again) {
            assertTrue(guest.endAccess(r), "end of access of a page shared again");
        }
        assertEquals(OKAY, b.unmap(m.handle(), 0x1000, 0));
        assertTrue(guest.endAccess(held), "end of access after the unmap");
        for (int i = 3; i < n; i += 2) {
            assertTrue(guest.endAccess(refs[i]), "end of access of page " + i);
        }
    }

    // ----------------------------------------------------------------------------------------- helpers

    static void assertNegative(long status, String what) {
        assertTrue(status < 0, what + ": expected a negative status, got " + status + " ("
                + GrantStatus.describe(status) + ")");
    }

    private static byte[] frameBytes(GrantDomain d, long gfn) {
        byte[] bytes = new byte[GuestMemory.PAGE_SIZE];
        d.mem.read(GuestMemory.gpaOf(gfn), bytes, 0, bytes.length);
        return bytes;
    }
}
