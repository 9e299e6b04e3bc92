package io.pvkit.conformance.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.hostile.HostileMemory;
import io.pvkit.conformance.property.Property;
import io.pvkit.conformance.property.StateMachine;
import io.pvkit.conformance.spi.Capability;
import io.pvkit.conformance.spi.DomainConfig;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Verifies the grant-table rules ({@link GrantRules}: GNT-01 .. GNT-11, GNT-13 .. GNT-44, FE-09 .. FE-16)
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
 * <p>Hooks: {@link #mappingView} (GNT-15, GNT-19) and {@link #createGrantingGuest} (FE-09 .. FE-16, GNT-28) return
 * null to skip those rules; {@link #mappedFrame} (GNT-32 .. GNT-36) wraps {@link #mappingView} unless overridden with
 * the implementation's own accessors; {@link #settle} finishes releases the implementation deferred (GNT-19);
 * {@link #maptrackLimit()} declares the maptrack limit GNT-09 checks; {@link #modelSeed()} pins the seed of
 * GNT-18; {@link #unexpectedErrors} reports the exceptions the implementation caught and hid, which fail every rule.
 *
 * <p>Hostile entries (GNT-20, GNT-21): every domain is requested with a shared-memory view
 * ({@link DomainConfig#sharedView}) that is the kit's {@link HostileMemory} over the domain's memory. An
 * implementation that declares {@link Capability#SHARED_MEMORY_VIEW} reaches the grant entries through it, so
 * the kit counts the implementation's reads of an entry and changes the entry right after the first one, on
 * purpose and the same way every run; without the capability those {@code optional_} checks are skipped.
 *
 * <p>The rules live in a chain of superclasses, one concern each, which this class completes: the hooks and the
 * table itself ({@link GrantTableSetupVerification}), map and unmap ({@link GrantMapVerification}), the maptrack
 * ({@link GrantMaptrackVerification}), copy ({@link GrantCopyVerification}), two vCPUs on one entry at once
 * ({@link GrantEntryRaceVerification}), the pins of a copy in progress
 * ({@link GrantCopyPinsVerification}), the end of mappings and domains
 * ({@link GrantTeardownVerification}), the granting guest's table ({@link GrantingGuestVerification}), access through
 * live host mappings ({@link GrantMappedFrameVerification}), the end of host mappings and accesses in flight
 * ({@link GrantMappedAccessVerification}), the release of host mappings ({@link GrantReleaseVerification}), and
 * here the model-based rule and the frontend's granting code. Extend this class only.
 */
public abstract class GrantTableVerification extends GrantReleaseVerification {

    /** For subclasses. */
    protected GrantTableVerification() {
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
        GrantingGuest guest = createGrantingGuest(a.dom, a.mem, a.tableFrames.clone());
        Assumptions.assumeTrue(guest != null, "no guest-side granting code supplied");
        int ref = guest.sharePage(b.domid(), a.data(0), false);
        GrantDomain.Mapped m = b.map(a.domid(), ref, HOST, 0x1000);
        assertEquals(OKAY, m.status(), "the backend maps the shared page");
        assertEquals(GrantingGuest.EndOfAccess.STILL_IN_USE, guest.endAccess(ref), "end of access while mapped");
        assertEquals(GrantFlags.PERMIT_ACCESS, a.flags(ref) & GrantFlags.TYPE_MASK, "the grant stays valid");
        assertEquals(OKAY, b.unmap(m.handle(), 0x1000, 0));
        assertEquals(GrantingGuest.EndOfAccess.REVOKED, guest.endAccess(ref), "end of access after the unmap");
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
        GrantingGuest guest = createGrantingGuest(a.dom, a.mem, a.tableFrames.clone());
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
        GrantingGuest guest = createGrantingGuest(a.dom, a.mem, a.tableFrames.clone());
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
        assertEquals(GrantingGuest.EndOfAccess.STILL_IN_USE, guest.endAccess(held), "end of access of the mapped page");
        for (int i = 0; i < n; i += 2) {
            assertEquals(GrantingGuest.EndOfAccess.REVOKED, guest.endAccess(refs[i]), "end of access of the unmapped page " + i);
        }
        int[] again = new int[n];
        for (int i = 0; i < n; i++) {
            again[i] = guest.sharePage(b.domid(), a.data(4 + i % 4), true);
            assertTrue(again[i] != held, "reference " + held + " was handed out again while its end of access had failed");
        }
        for (int r : again) {
            assertEquals(GrantingGuest.EndOfAccess.REVOKED, guest.endAccess(r), "end of access of a page shared again");
        }
        assertEquals(OKAY, b.unmap(m.handle(), 0x1000, 0));
        assertEquals(GrantingGuest.EndOfAccess.REVOKED, guest.endAccess(held), "end of access after the unmap");
        for (int i = 3; i < n; i += 2) {
            assertEquals(GrantingGuest.EndOfAccess.REVOKED, guest.endAccess(refs[i]), "end of access of page " + i);
        }
    }
}
