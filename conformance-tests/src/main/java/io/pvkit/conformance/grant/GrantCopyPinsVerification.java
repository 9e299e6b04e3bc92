package io.pvkit.conformance.grant;

import io.pvkit.conformance.spi.Capability;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The part of {@link GrantTableVerification} after {@link GrantEntryRaceVerification} (extend {@link GrantTableVerification},
 * not this class): what a copy in progress does to the pins of the entries it uses (GNT-40, GNT-41), checked by
 * stopping a copy inside its access to one grant side's entry and mapping and unmapping the other side there
 * ({@link CopyPins}), and a copy into an entry the grantee holds read-only (GNT-42, {@link PinnedCopyDestination}).
 * GNT-40 and GNT-41 need the kit's {@code HostileMemory} between the implementation and the grant entries
 * ({@link Capability#SHARED_MEMORY_VIEW}): they are capability-gated checks of MUST rules ({@code optional_}),
 * skipped without it.
 */
public abstract class GrantCopyPinsVerification extends GrantEntryRaceVerification {

    /** For subclasses. */
    protected GrantCopyPinsVerification() {
    }

    private CopyPins copyPins() {
        Assumptions.assumeTrue(hypervisor.capabilities().contains(Capability.SHARED_MEMORY_VIEW),
                "capability SHARED_MEMORY_VIEW not declared: the kit cannot stop a copy inside its access to an entry");
        assertNotNull(a.hostile, "the implementation declares SHARED_MEMORY_VIEW but did not call "
                + "DomainConfig.sharedView(memory) when it created the domain");
        return new CopyPins(a, b, c);
    }

    // ------------------------------------------------------------------------------------------ GNT-40

    /**
     * Rule {@linkplain GrantRules GNT-40}: a copy in progress pins the grant entries it uses as a mapping does. B
     * copies between two of A's grants (each direction, at the references' first use and at a later one) and the kit
     * stops the copy where it accesses one side's entry while it holds the other, which nobody else uses; there C's
     * read-only (and, for a destination, writable) map of the held entry is refused, B maps it twice and unmaps one
     * mapping and then the other, maps it read-only and unmaps that: after each step the held entry shows exactly the
     * busy bits the copy set (GTF_reading for its source, GTF_reading and GTF_writing for its destination). After the
     * copy (okay, its bytes arrived) both entries are idle and A revokes them. Checked with
     * {@link Capability#SHARED_MEMORY_VIEW} only.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>a copy counts as a pin of each grant side for as long as it uses it (Xen's
     *       {@code acquire_grant_for_copy}: {@code act->pin += GNTPIN_hstr_inc} for the source,
     *       {@code GNTPIN_hstw_inc} for the destination, until {@code release_grant_for_copy});</li>
     *   <li>every "is the entry pinned" and "is anything writing" test includes the copies in progress (an unmap
     *       clears GTF_writing only when no writable mapping and no copy into the entry is left, GTF_reading only when
     *       no use at all is left: {@code unmap_common_complete});</li>
     *   <li>while only a copy pins an entry, a map by another domain is refused ({@code act->domid} is the copying
     *       domain) and the grantee's own map takes the pinned frame.</li>
     * </ul>
     */
    @Test
    public void optional_GNT_40_copyInProgressPinsItsEntries() {
        copyPins().copyInProgressPinsItsEntries();
    }

    // ------------------------------------------------------------------------------------------ GNT-41

    /**
     * Rule {@linkplain GrantRules GNT-41}: a copy in progress counts towards the bound of the host pin counter of its
     * direction. Stopped as for GNT-40 while the copy holds one of A's grants (as its source or its destination, at
     * the references' first use and at a later one), B maps that entry 127 times (read-only for a source, writable for
     * a destination), all okay, and the 128th mapping of that kind is {@code GNTST_general_error} with the busy bits
     * unchanged; once the copy ended the 128th mapping succeeds, and after every unmap the entry is idle. Checked with
     * {@link Capability#SHARED_MEMORY_VIEW} and a declared maptrack limit of at least 128.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>a copy adds to the host counter of its direction while it runs (Xen's {@code acquire_grant_for_copy}:
     *       {@code GNTPIN_hstr_inc} for its source, {@code GNTPIN_hstw_inc} for its destination), so the bound a map
     *       checks ({@code act->pin & GNTPIN_incr2oflow_mask(pin_incr)}) includes the copies in progress;</li>
     *   <li>the refusal comes before the entry's flags are touched.</li>
     * </ul>
     */
    @Test
    public void optional_GNT_41_copyInProgressCountsTowardsThePinBound() {
        CopyPins pins = copyPins();
        int limit = maptrackLimit();
        Assumptions.assumeTrue(limit <= 0 || limit >= CopyPins.PINS_PER_KIND, "a maptrack limit of " + limit
                + " holds fewer than " + CopyPins.PINS_PER_KIND + " mappings: the bound cannot be reached");
        pins.copyInProgressCountsTowardsThePinBound();
    }

    // ------------------------------------------------------------------------------------------ GNT-42

    /**
     * Rule {@linkplain GrantRules GNT-42}: a copy into an entry that the grantee holds only read-only is the entry's
     * first writable use. B maps each of three grants of A read-only, then copies one of its frames into it, twice:
     * into a read-only grant and into a writable grant that A has made read-only since (GTF_readonly set, GTF_reading
     * kept), the copy is {@code GNTST_general_error}, writes nothing and leaves the word as it was; into a writable
     * grant that A has re-granted to C since (domid C, GTF_reading kept) the copy succeeds into the pinned frame and
     * leaves the word as A wrote it (GTF_writing only while it ran), and C's map of it is refused.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>a writable use (map or copy) of an entry pinned only by read-only uses updates the entry's status as a
     *       first writable use does (Xen's {@code acquire_grant_for_copy} calls {@code _set_status} when
     *       {@code !(act->pin & (GNTPIN_hstw_mask | GNTPIN_devw_mask))}): a compare-and-swap that sets GTF_writing
     *       and fails on GTF_readonly; a copy pin of a pinned entry must not skip it;</li>
     *   <li>that compare-and-swap checks the type and the domid only when the entry is not pinned at all
     *       ({@code _set_status_v1}: "If not already pinned, check the grant domid and type"), as for a map
     *       (GNT-06).</li>
     * </ul>
     */
    @Test
    public void required_GNT_42_copyIntoAnEntryHeldReadOnlyIsItsFirstWritableUse() {
        new PinnedCopyDestination(a, b, c).firstWritableUseIsChecked();
    }
}
