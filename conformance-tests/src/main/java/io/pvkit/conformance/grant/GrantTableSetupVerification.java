package io.pvkit.conformance.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GrantStatus;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.hostile.HostileMemory;
import io.pvkit.conformance.spi.Capability;
import io.pvkit.conformance.spi.DomainConfig;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The first part of {@link GrantTableVerification} (extend that class, not this one): the hooks an implementation
 * supplies, the three test domains A, B and C, and the rules of the grant table itself (GNT-13, GNT-16, GNT-17,
 * GNT-24, GNT-25, GNT-26, GNT-31): {@code setup_table}, {@code query_size} and the versions, frame counts and argument
 * arrays, the second table frame, batches and their continuation, operations on other domains, and
 * {@code swap_grant_ref}.
 */
public abstract class GrantTableSetupVerification {
    static final int OKAY = GrantStatus.OKAY.code();
    static final int BAD_GNTREF = GrantStatus.BAD_GNTREF.code();
    static final int BAD_HANDLE = GrantStatus.BAD_HANDLE.code();
    static final int BAD_COPY_ARG = GrantStatus.BAD_COPY_ARG.code();
    static final int EAGAIN = GrantStatus.EAGAIN.code();
    static final int NO_SPACE = GrantStatus.NO_SPACE.code();
    static final int HOST = GntMap.HOST_MAP;
    static final int RO = GntMap.READONLY;
    static final int BUSY = GrantFlags.READING | GrantFlags.WRITING;
    static final int FIRST_REF = 8;
    /** The largest maptrack limit GNT-09 exercises. */
    protected static final int MAX_TESTED_MAPTRACK = 16384;

    HypervisorUnderTest hypervisor;
    final List<DomainUnderTest> domains = new ArrayList<>();
    /** Grant-issuing test domains. */
    GrantDomain a;
    GrantDomain b;
    GrantDomain c;

    /** For subclasses. */
    protected GrantTableSetupVerification() {
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
     * The implementation's guest-side granting code over a domain's grant table, for FE-09 .. FE-16 and GNT-28.
     *
     * @param domain the granting domain
     * @param memory the domain's memory as the granting code must reach it: every read and write of the table's
     *     entries and of shared pages goes through it (the kit watches it: FE-11, FE-13)
     * @param tableFrames the frames of its grant table (from setup_table)
     * @return the adapter, or null to skip FE-09 .. FE-16 and GNT-28 (a skipped MUST rule is never a pass)
     */
    protected GrantingGuest createGrantingGuest(DomainUnderTest domain, MemoryAccess memory, long[] tableFrames) {
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

    /**
     * Capability hook: the unexpected exceptions the implementation caught so far and answered for with an ordinary
     * status (a bug it hid from the guest, e.g. an array indexed before its range check, whose exception a catch-all
     * turned into {@code GNTST_general_error} or even into the right status; for pv-grant, what its
     * {@code ErrorHandler} received). When supported, every rule additionally requires that the implementation caught
     * none while the kit ran it (checked after the rule's domains were destroyed), so that a check replaced by a
     * caught exception does not pass.
     *
     * @param hypervisor the hypervisor of the test's domains, created by {@link #createHypervisor()} (GNT-18's own
     *     hypervisors are not asked)
     * @return a snapshot of the exceptions caught since it was created, or null (default) when the implementation
     *     cannot report them (the check is skipped)
     */
    protected List<Throwable> unexpectedErrors(HypervisorUnderTest hypervisor) {
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

    GrantDomain create() {
        return create(1);
    }

    /** A further domain of the test with {@code vcpus} vCPUs (GNT-44's grantee issues calls on two at once). */
    GrantDomain create(int vcpus) {
        HostileMemory[] view = new HostileMemory[1];
        DomainUnderTest d = hypervisor.createDomain(new DomainConfig(domainFrames(), vcpus, false)
                .withSharedMemoryView(memory -> view[0] = new HostileMemory(memory)));
        domains.add(d);
        return new GrantDomain(d, view[0]);
    }

    /**
     * Destroys the domains and closes the hypervisor; then fails the rule when the implementation reported unexpected
     * exceptions ({@link #unexpectedErrors}).
     */
    @AfterEach
    public void tearDownHypervisor() {
        if (hypervisor != null) {
            for (DomainUnderTest d : domains) {
                hypervisor.destroyDomain(d);
            }
            domains.clear();
            List<Throwable> errors = unexpectedErrors(hypervisor);
            hypervisor.close();
            if (errors != null && !errors.isEmpty()) {
                throw new AssertionError("the implementation caught " + errors.size() + " unexpected exception(s) while "
                        + "the kit ran this rule and answered the guest as if nothing happened (a check replaced by a "
                        + "caught exception, e.g. an index used before its range check); first: " + errors.getFirst(),
                        errors.getFirst());
            }
        }
    }

    int refLimit() {
        int[] q = a.querySize(DomId.SELF);
        assertEquals(OKAY, q[0], "query_size(DOMID_SELF)");
        return q[1] * GrantEntryV1Layout.ENTRIES_PER_FRAME;
    }

    // ---------------------------------------------------------------------------------- GNT-23 .. GNT-26

    /** GNT-23 .. GNT-26 (statuses of arguments, multi-frame tables, batches, other domains) live in {@link OperationStatuses}. */
    OperationStatuses operationStatuses() {
        return new OperationStatuses(hypervisor, domains, a, b, domainFrames());
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

    // ------------------------------------------------------------------------------------------ GNT-16

    /**
     * Rule {@linkplain GrantRules GNT-16}: setup_table and query_size agree.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>query_size reports nr_frames &gt;= 1 and max_nr_frames &gt;= nr_frames;</li>
     *   <li>setup_table grows the table and lists distinct frames inside the domain's memory; with 0 frames it
     *       is okay and writes nothing;</li>
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
        // zero frames: nothing to grow, nothing to list (Xen's loops run zero times), okay
        a.mem.setLong(list, 0x5A5A_5A5A_5A5A_5A5AL);
        assertEquals(OKAY, a.setupTable(DomId.SELF, 0, list), "setup_table(DOMID_SELF, 0)");
        assertEquals(0x5A5A_5A5A_5A5A_5A5AL, a.mem.getLong(list), "setup_table(0) wrote its frame list");
        assertEquals(want, a.querySize(DomId.SELF)[1], "query_size after setup_table(0)");
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

    /**
     * Rule {@linkplain GrantRules GNT-24}: after {@code setup_table(DOMID_SELF, 2)} a reference of the second
     * table frame ({@code 512 + k}) is the entry at slot {@code k} of {@code frame_list[1]}: a copy reads the frame
     * that entry grants, a map sets its GTF_reading, the same slot of the first frame stays untouched, and
     * {@code 1024} is {@code GNTST_bad_gntref}; reference 512 itself works from its first use (a copy), and an entry
     * of the first frame mapped before the table grew keeps GTF_reading until its unmap, which clears it. Passes
     * trivially when the table's maximum is one frame.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the entry address is {@code frame[ref / 512] + (ref % 512) * 8}, with the frames setup_table
     *       listed;</li>
     *   <li>the per-entry state (pins, the frame snapshot) grows with the table, keeps the state of the entries it
     *       had, and grows for the first reference past its end ({@code ref >= length}, not {@code >}).</li>
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

    // ------------------------------------------------------------------------------------------ GNT-31

    /**
     * Rule {@linkplain GrantRules GNT-31}: {@code swap_grant_ref(a, b)} on the caller's own table exchanges the two
     * 8-byte entries whole (flags, domid and frame: the swapped grants work for their grantees); a reference at or
     * beyond the table, given as {@code a} or as {@code b}, is {@code GNTST_bad_gntref} with the table untouched;
     * {@code swap_grant_ref(a, a)} is okay and changes nothing, even while {@code a} is mapped; and while either entry
     * is mapped (the lower or the higher reference) the swap is {@code GNTST_eagain} with both entries as they were.
     * Skipped when the implementation answers {@code -ENOSYS}.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>both references are range-checked, each on its own, before either entry is touched;</li>
     *   <li>{@code a == b} returns okay before the pin checks (Xen: "just return success");</li>
     *   <li>each entry's pin count is checked (under the entry's lock, so that no map or copy pins it in between)
     *       and a pinned entry is {@code GNTST_eagain};</li>
     *   <li>each entry is read once, as a whole, and written back swapped.</li>
     * </ul>
     */
    @Test
    public void optional_GNT_31_swapGrantRefExchangesIdleEntriesOnly() {
        long probe = a.swap(FIRST_REF, FIRST_REF + 1);
        Assumptions.assumeTrue(probe != XenErrno.ENOSYS.negated(), "swap_grant_ref is not supported (-ENOSYS)");
        assertEquals(OKAY, probe, "swap_grant_ref of two unused entries");
        int x = FIRST_REF + 2;
        int y = FIRST_REF + 3;
        a.grant(x, b.domid(), a.data(0), true);
        a.grant(y, c.domid(), a.data(1), false);
        long ex = a.mem.getLong(a.entryGpa(x));
        long ey = a.mem.getLong(a.entryGpa(y));
        assertEquals(OKAY, a.swap(x, y), "swap_grant_ref(" + x + ", " + y + ") of two idle grants");
        assertEquals(ey, a.mem.getLong(a.entryGpa(x)), "entry " + x + " after the swap: the whole entry " + y + " had");
        assertEquals(ex, a.mem.getLong(a.entryGpa(y)), "entry " + y + " after the swap: the whole entry " + x + " had");
        // the swapped grants work: y grants B read-only, x grants C writable
        GrantDomain.Mapped my = b.map(a.domid(), y, HOST | RO, 0x1000);
        assertEquals(OKAY, my.status(), "B maps reference " + y + ", which holds B's grant after the swap");
        assertNegative(b.map(a.domid(), x, HOST | RO, 0x2000).status(), "B maps reference " + x
                + ", which holds C's grant after the swap");

        int limit = refLimit();
        byte[] table = frameBytes(a, a.tableFrames[0]);
        for (long bad : new long[] {limit, limit + 1L, 0xFFFF_FFFFL}) {
            assertEquals(BAD_GNTREF, a.swap(x, bad), "swap_grant_ref(" + x + ", " + bad + ")");
            assertEquals(BAD_GNTREF, a.swap(bad, x), "swap_grant_ref(" + bad + ", " + x + ")");
        }
        assertArrayEquals(table, frameBytes(a, a.tableFrames[0]), "the table after swaps with a bad reference");

        // y (the higher reference) mapped: a swap with itself is a no-op, a swap with x is refused either way round
        assertEquals(OKAY, a.swap(y, y), "swap_grant_ref(" + y + ", " + y + ") while " + y + " is mapped");
        assertArrayEquals(table, frameBytes(a, a.tableFrames[0]), "the table after swapping a mapped entry with itself");
        // reference 0 is in range (it may be in use by the hypervisor's own grants: a swap with itself changes nothing)
        assertEquals(OKAY, a.swap(0, 0), "swap_grant_ref(0, 0): the lowest reference swapped with itself");
        assertArrayEquals(table, frameBytes(a, a.tableFrames[0]), "the table after swapping reference 0 with itself");
        assertEquals(EAGAIN, a.swap(x, y), "swap_grant_ref(" + x + ", " + y + ") while " + y + " is mapped");
        assertEquals(EAGAIN, a.swap(y, x), "swap_grant_ref(" + y + ", " + x + ") while " + y + " is mapped");
        assertArrayEquals(table, frameBytes(a, a.tableFrames[0]), "the table after refused swaps");
        assertEquals(OKAY, b.unmap(my.handle(), 0x1000, 0));
        // x (the lower reference) mapped
        GrantDomain.Mapped mx = c.map(a.domid(), x, HOST, 0x1000);
        assertEquals(OKAY, mx.status(), "C maps reference " + x + ", which holds C's writable grant after the swap");
        table = frameBytes(a, a.tableFrames[0]);
        assertEquals(EAGAIN, a.swap(x, y), "swap_grant_ref(" + x + ", " + y + ") while " + x + " is mapped");
        assertEquals(EAGAIN, a.swap(y, x), "swap_grant_ref(" + y + ", " + x + ") while " + x + " is mapped");
        assertArrayEquals(table, frameBytes(a, a.tableFrames[0]), "the table after refused swaps");
        assertEquals(OKAY, c.unmap(mx.handle(), 0x1000, 0));
        assertEquals(OKAY, a.swap(y, x), "swap_grant_ref(" + y + ", " + x + ") once both are idle again");
        assertEquals(ex, a.mem.getLong(a.entryGpa(x)), "entry " + x + " swapped back");
        assertEquals(ey, a.mem.getLong(a.entryGpa(y)), "entry " + y + " swapped back");
    }

    // ----------------------------------------------------------------------------------------- helpers

    static void assertNegative(long status, String what) {
        assertTrue(status < 0, what + ": expected a negative status, got " + status + " ("
                + GrantStatus.describe(status) + ")");
    }

    static byte[] frameBytes(GrantDomain d, long gfn) {
        byte[] bytes = new byte[GuestMemory.PAGE_SIZE];
        d.mem.read(GuestMemory.gpaOf(gfn), bytes, 0, bytes.length);
        return bytes;
    }
}
