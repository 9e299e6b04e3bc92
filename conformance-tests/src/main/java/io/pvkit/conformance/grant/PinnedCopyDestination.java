package io.pvkit.conformance.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GrantStatus;
import io.pvkit.abi.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GNT-42: a copy into an entry that the grantee holds only read-only (mapped read-only, no writable use) is the
 * entry's first writable use. Xen's {@code acquire_grant_for_copy} calls {@code _set_status} for it
 * ({@code !act->pin || (!readonly && !(act->pin & (GNTPIN_devw_mask | GNTPIN_hstw_mask)))}), whose compare-and-swap
 * sets GTF_writing and refuses a word with GTF_readonly, and checks the type and the domid only when the entry is not
 * pinned ("If not already pinned, check the grant domid and type"). So the copy is refused into a read-only grant and
 * into a writable grant the granter has since made read-only, and goes ahead into an entry the granter re-granted to
 * another domain while the grantee's pin held it (as GNT-06 requires of a writable map). Each case runs twice on the
 * same reference (an entry used before may take another path). One instance serves one test method.
 */
final class PinnedCopyDestination {
    private static final int OKAY = GrantStatus.OKAY.code();
    private static final int HOST = GrantTableSetupVerification.HOST;
    private static final int RO = GrantTableSetupVerification.RO;
    private static final int LEN = 48;
    /** A's references: a read-only grant, a writable grant made read-only, a writable grant re-granted to C. */
    private static final int READ_ONLY_GRANT = 50;
    private static final int MADE_READ_ONLY = 51;
    private static final int REGRANTED = 52;

    private final GrantDomain a;
    private final GrantDomain b;
    private final GrantDomain c;

    PinnedCopyDestination(GrantDomain a, GrantDomain b, GrantDomain c) {
        this.a = a;
        this.b = b;
        this.c = c;
    }

    /** The body of the rule method. */
    void firstWritableUseIsChecked() {
        long src = b.data(14);
        for (int i = 0; i < GuestMemory.PAGE_SIZE; i++) {
            b.mem.setByte(GuestMemory.gpaOf(src) + i, (byte) (i * 11 + 3));
        }
        refused(READ_ONLY_GRANT, true, src);
        refused(MADE_READ_ONLY, false, src);
        regranted(src);
    }

    private GrantDomain.Copy into(int ref, long src) {
        return new GrantDomain.Copy(src, DomId.SELF, 300, ref, a.domid(), 1000, LEN, GntCopy.DEST_GREF);
    }

    /** A copy into an entry B holds read-only, whose word has GTF_readonly: refused, nothing written. */
    private void refused(int ref, boolean grantedReadOnly, long src) {
        long frame = a.data(14 + ref - READ_ONLY_GRANT);
        a.fillFrame(frame, (byte) 0x5A);
        a.grant(ref, b.domid(), frame, grantedReadOnly);
        GrantDomain.Mapped m = b.map(a.domid(), ref, HOST | RO, 0x1000);
        assertEquals(OKAY, m.status(), "B's read-only map of A's reference " + ref);
        long word = a.entryGpa(ref) + GrantEntryV1Layout.FLAGS_OFFSET;
        if (!grantedReadOnly) {
            a.mem.getAndBitwiseOrInt(word, GrantFlags.READONLY); // the granter makes the mapped grant read-only
        }
        int before = a.mem.getIntVolatile(word);
        String what = grantedReadOnly ? "a read-only grant B has mapped read-only"
                : "a writable grant B has mapped read-only, which A has made read-only since";
        for (int round = 1; round <= 2; round++) {
            String r = " (" + round + ")";
            assertEquals(GrantStatus.GENERAL_ERROR.code(), b.copy(into(ref, src))[0], "B's copy into " + what
                    + " (the copy is the entry's first writable use: its compare-and-swap refuses GTF_readonly)" + r);
            for (int k = 0; k < GuestMemory.PAGE_SIZE; k += 64) {
                assertEquals(0x5A, a.byteAt(frame, k), "the refused copy into " + what + " wrote byte " + k + r);
            }
            assertEquals(before, a.mem.getIntVolatile(word), "the word of " + what + " after the refused copy" + r);
        }
        assertEquals(OKAY, b.unmap(m.handle(), 0x1000, 0), "B's unmap of A's reference " + ref);
        assertEquals(0, a.busy(ref), "busy bits of A's reference " + ref + " after the unmap");
        assertTrue(a.revoke(ref), "A revokes reference " + ref);
    }

    /**
     * A copy into a writable grant B holds read-only, which A has re-granted to C meanwhile (GTF_reading kept): the
     * copy goes ahead (a pinned entry's type and domid are not checked again) into the pinned frame, GTF_writing only
     * while it runs; C cannot map the entry.
     */
    private void regranted(long src) {
        long frame = a.data(16);
        a.grant(REGRANTED, b.domid(), frame, false);
        GrantDomain.Mapped m = b.map(a.domid(), REGRANTED, HOST | RO, 0x1000);
        assertEquals(OKAY, m.status(), "B's read-only map of A's reference " + REGRANTED);
        long word = a.entryGpa(REGRANTED) + GrantEntryV1Layout.FLAGS_OFFSET;
        int toC = (c.domid() << 16) | GrantFlags.PERMIT_ACCESS | GrantFlags.READING;
        a.mem.setIntVolatile(word, toC);
        String what = "a writable grant B has mapped read-only, which A has re-granted to C since";
        for (int round = 1; round <= 2; round++) {
            String r = " (" + round + ")";
            a.fillFrame(frame, (byte) 0);
            assertEquals(OKAY, b.copy(into(REGRANTED, src))[0], "B's copy into " + what + " (a pinned entry's type and "
                    + "domid are not checked again: Xen's _set_status_v1)" + r);
            for (int k = 0; k < LEN; k++) {
                assertEquals((byte) ((300 + k) * 11 + 3), a.byteAt(frame, 1000 + k), "byte " + k + " of the copy into "
                        + what + r);
            }
            assertEquals(toC, a.mem.getIntVolatile(word), "the word of " + what + " after the copy: GTF_writing "
                    + "only while it ran, nothing else changed" + r);
            GrantTableSetupVerification.assertNegative(c.map(a.domid(), REGRANTED, HOST | RO, 0x3000).status(),
                    "C's map of " + what + ", while B's pin holds it" + r);
        }
        assertEquals(OKAY, b.unmap(m.handle(), 0x1000, 0), "B's unmap of A's reference " + REGRANTED);
        assertEquals(0, a.busy(REGRANTED), "busy bits of A's reference " + REGRANTED + " after the unmap");
        assertTrue(a.revoke(REGRANTED), "A revokes reference " + REGRANTED);
    }
}
