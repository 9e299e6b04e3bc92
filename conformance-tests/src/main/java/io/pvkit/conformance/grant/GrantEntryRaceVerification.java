package io.pvkit.conformance.grant;

import io.pvkit.conformance.spi.Capability;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The part of {@link GrantTableVerification} after {@link GrantCopyVerification} (extend {@link GrantTableVerification},
 * not this class): grant operations of two vCPUs on one entry at once (GNT-44, {@link EntryRace}). The kit stops one
 * operation inside the implementation, right after an access to the entry's flags word, through its
 * {@code HostileMemory} between the implementation and the grant entries ({@link Capability#SHARED_MEMORY_VIEW}):
 * a capability-gated check of a MUST rule ({@code optional_}), skipped without it.
 */
public abstract class GrantEntryRaceVerification extends GrantCopyVerification {

    /** For subclasses. */
    protected GrantEntryRaceVerification() {
    }

    /**
     * Rule {@linkplain GrantRules GNT-44}: grant operations of two vCPUs on one entry at once keep its busy bits true.
     * B (a domain with two vCPUs) and A's table; the kit stops one operation on its thread right after its first,
     * second, ... access to the entry's flags word, and runs the other on another thread meanwhile (100 ms, or until
     * it returns; an implementation that locks the entry blocks it), then lets the first go on and joins both (10 s
     * each; an operation still blocked after the other returned fails the rule). The rounds: B's unmap of its last
     * mapping stopped while its other vCPU maps the entry (read-only and writable); B's map stopped while the other
     * vCPU unmaps B's older mapping (a writable map over a read-only one, and the reverse); B's copy stopped inside
     * its use of the entry (as source and as destination, of an idle entry, and into an entry B maps read-only) while
     * the other vCPU maps and unmaps it or unmaps that mapping; B's first map of an idle entry stopped while the other
     * vCPU copies from or into it; B's writable map stopped while a copy of the entry ends; A's swap_grant_ref
     * stopped while B copies from one of its two entries (the lower and the higher reference). Every status is okay
     * (a swap: okay or GNTST_eagain); a copy, where it holds the entry (its first access to its other side after an
     * access to this one), sees the entry's GTF_reading (and GTF_writing for a destination); afterwards the entry
     * carries exactly the busy bits of the mapping left (A's revoke fails), and once that is unmapped every entry is
     * idle and A revokes it. At least one operation must have stopped. Checked with
     * {@link Capability#SHARED_MEMORY_VIEW} only.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>each use of an entry updates its pin counts and its GTF_reading/GTF_writing under one lock of the entry
     *       held across both (Xen's {@code active_entry_acquire} in {@code map_grant_ref},
     *       {@code unmap_common_complete}, {@code acquire_grant_for_copy} and {@code release_grant_for_copy}): an
     *       unmap that decides "last pin" and clears the bits later loses a map made in between, a map that decides
     *       "already pinned, nothing to write" loses to an unmap that clears meanwhile;</li>
     *   <li>a lock-free fast path (a copy) takes the same entry lock as map and unmap, and map and unmap take it
     *       although they hold a table-wide lock (the fast path does not take that one);</li>
     *   <li>swap_grant_ref holds both entries' locks across its pin check and its swap (Xen's
     *       {@code gnttab_swap_grant_ref}: {@code act->pin} checked under {@code active_entry_acquire}, else
     *       GNTST_eagain);</li>
     *   <li>every lock taken is released on every path (the message names the operation still blocked).</li>
     * </ul>
     */
    @Test
    public void optional_GNT_44_twoVcpusOnOneEntryKeepItsBusyBits() {
        Assumptions.assumeTrue(hypervisor.capabilities().contains(Capability.SHARED_MEMORY_VIEW),
                "capability SHARED_MEMORY_VIEW not declared: the kit cannot stop an operation inside its access to an "
                        + "entry");
        assertNotNull(a.hostile, "the implementation declares SHARED_MEMORY_VIEW but did not call "
                + "DomainConfig.sharedView(memory) when it created the domain");
        new EntryRace(a, create(2)).twoVcpusOnOneEntryKeepItsBusyBits();
    }
}
