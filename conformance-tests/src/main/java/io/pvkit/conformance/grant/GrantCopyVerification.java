package io.pvkit.conformance.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.memory.GuestMemory;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fourth part of {@link GrantTableVerification} (extend that class, not this one): {@code GNTTABOP_copy}
 * (GNT-10, GNT-27): every element's status, offsets and lengths, copy sides given as frames or references, and
 * the busy bits a copy sets only while it runs.
 */
public abstract class GrantCopyVerification extends GrantMaptrackVerification {

    /** For subclasses. */
    protected GrantCopyVerification() {
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

        // offsets on both sides move exactly the bytes at the source offset to the destination offset, at an entry's
        // first use and at a later one
        for (int i = 0; i < GuestMemory.PAGE_SIZE; i++) {
            a.mem.setByte(GuestMemory.gpaOf(a.data(1)) + i, (byte) (i * 7 + 1));
        }
        a.grant(FIRST_REF + 1, b.domid(), a.data(1), true);
        for (int round = 1; round <= 2; round++) {
            b.fillFrame(b.data(2), (byte) 0);
            assertEquals(OKAY, b.copy(new GrantDomain.Copy(FIRST_REF + 1, a.domid(), 1000, b.data(2), DomId.SELF, 3000,
                    96, GntCopy.SOURCE_GREF))[0], "copy of 96 bytes from offset 1000 to offset 3000 (" + round + ")");
            for (int k = 0; k < 96; k++) {
                assertEquals((byte) ((1000 + k) * 7 + 1), b.byteAt(b.data(2), 3000 + k), "byte " + k
                        + " of the copy from offset 1000 to offset 3000 (" + round + ")");
            }
            assertEquals(0, b.byteAt(b.data(2), 2999), "the byte before the destination offset (" + round + ")");
            assertEquals(0, b.byteAt(b.data(2), 3096), "the byte after the copied length (" + round + ")");
        }
        assertTrue(a.revoke(FIRST_REF + 1), "the grant copied with offsets can be revoked");
    }

    // ------------------------------------------------------------------------------------------ GNT-27

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
     *       against the caller's memory ({@code 0 <= frame < frames}: frame 0 is a frame, the first one past the
     *       memory is not), as is the frame a grant names;</li>
     *   <li>a pinned entry is usable only by the domain that pinned it ({@code act->domid});</li>
     *   <li>the frame read after the status CAS is validated, and on failure the busy bits that CAS set are
     *       cleared ({@code unlock_out_clear});</li>
     *   <li>every case answers and acts the same at a reference's first use and at a later one (a per-entry cache or
     *       fast path taken once an entry has been used checks the same things as the first use: reference range,
     *       the side's domain, a read-only grant as destination, and it releases the source when the destination is
     *       refused);</li>
     *   <li>the GNTCOPY_source_gref / GNTCOPY_dest_gref flag of each side decides whether it is a reference or a
     *       frame, also when the domain is {@code DOMID_SELF} (the caller's own grant) and when a frame's number is
     *       also a reference the caller's own table has in use.</li>
     * </ul>
     */
    @Test
    public void required_GNT_27_copySidesAndBadFramesAreCheckedAsXenDoes() {
        operationStatuses().copySidesAndBadFramesAreCheckedAsXenDoes(c);
        new CopyPaths(a, b).firstAndLaterUse();
    }
}
