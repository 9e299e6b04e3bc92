package io.pvkit.conformance.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GnttabCopyLayout;
import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.grant.GnttabUnmapGrantRefLayout;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GrantStatus;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.Bug;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.Buggy;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.BuggyVerification;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The broken implementations that GNT-40 and GNT-41 (the pins of a copy in progress, {@link CopyPins}) and GNT-42 (a
 * copy into an entry held read-only, {@link PinnedCopyDestination}) catch and the kit before them did not. The first
 * three answer maps and unmaps made while a copy holds the entry as an implementation that leaves the copy's pin out
 * of one test does (the survivors of pv-grant's {@code ActiveEntry.pins}, {@code writers} and {@code atBound} copy
 * terms in session 7's whole-module PIT run; the kit made no map or unmap inside a copy before); the last two answer
 * a copy into an entry the caller holds read-only as the survivors of {@code CopyOperation.acquire} 273 and 274 do.
 * Listed in {@link GrantTableVerificationSelfTest#brokenImplementations()}.
 */
final class CopyPinBugs {
    private static final int OKAY = GrantStatus.OKAY.code();
    /** The handle a planted bug answers for a map the real hypervisor refused (no mapping exists behind it). */
    private static final int NO_SUCH_MAPPING = 0x7FFE;

    private CopyPinBugs() {
    }

    /** The grant sides of the copy element in progress on a thread, as the copying domain named them. */
    record InCopy(int caller, int srcDomid, long srcRef, boolean srcGref, int dstDomid, long dstRef, boolean dstGref) {
        static InCopy of(HypercallContext c, long uops) {
            GuestMemory m = c.memory();
            int flags = Short.toUnsignedInt(m.getShort(uops + GnttabCopyLayout.FLAGS_OFFSET));
            return new InCopy(c.domid(),
                    domid(c, m.getShort(uops + GnttabCopyLayout.SOURCE_DOMID_OFFSET)),
                    Integer.toUnsignedLong(m.getInt(uops + GnttabCopyLayout.SOURCE_U_REF_OFFSET)),
                    (flags & GntCopy.SOURCE_GREF) != 0,
                    domid(c, m.getShort(uops + GnttabCopyLayout.DEST_DOMID_OFFSET)),
                    Integer.toUnsignedLong(m.getInt(uops + GnttabCopyLayout.DEST_U_REF_OFFSET)),
                    (flags & GntCopy.DEST_GREF) != 0);
        }

        private static int domid(HypercallContext c, short raw) {
            int d = Short.toUnsignedInt(raw);
            return d == DomId.SELF ? c.domid() : d;
        }

        /** Whether the copy uses {@code granter}'s reference {@code ref} as a grant side. */
        boolean holds(int granter, long ref) {
            return (srcGref && srcDomid == granter && srcRef == ref) || (dstGref && dstDomid == granter && dstRef == ref);
        }
    }

    /** A bug that acts only on calls made while a copy is in progress on the calling thread. */
    @FunctionalInterface
    interface DuringCopy {
        long apply(Buggy b, HypercallContext c, long cmd, long uops, InCopy copy, Map<Long, long[]> live);
    }

    /**
     * Wraps {@code bug}: every single-element copy is recorded for its thread while it runs (the kit's calls inside it
     * come on the same thread), and the live mappings ({@code mapper << 32 | handle} to {@code {granter, ref}}) are
     * kept; calls made outside a copy go to the real hypervisor.
     */
    static Bug duringCopy(DuringCopy bug) {
        ThreadLocal<InCopy> current = new ThreadLocal<>();
        Map<Long, long[]> live = new ConcurrentHashMap<>();
        return (b, c, cmd, uops, count) -> {
            GuestMemory m = c.memory();
            if (count == 1 && Buggy.is(cmd, GrantTableOp.COPY)) {
                InCopy outer = current.get();
                current.set(InCopy.of(c, uops));
                try {
                    return b.real(c, cmd, uops, count);
                } finally {
                    current.set(outer);
                }
            }
            InCopy copy = current.get();
            long handleKey = 0;
            if (count == 1 && Buggy.is(cmd, GrantTableOp.UNMAP_GRANT_REF)) {
                handleKey = key(c.domid(), m.getInt(uops + GnttabUnmapGrantRefLayout.HANDLE_OFFSET));
            }
            long rc = count == 1 && copy != null ? bug.apply(b, c, cmd, uops, copy, live) : b.real(c, cmd, uops, count);
            if (count == 1 && rc == 0 && Buggy.is(cmd, GrantTableOp.MAP_GRANT_REF)
                    && m.getShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET) == OKAY) {
                live.put(key(c.domid(), m.getInt(uops + GnttabMapGrantRefLayout.HANDLE_OFFSET)), new long[] {
                        Short.toUnsignedInt(m.getShort(uops + GnttabMapGrantRefLayout.DOM_OFFSET)),
                        Integer.toUnsignedLong(m.getInt(uops + GnttabMapGrantRefLayout.REF_OFFSET))});
            } else if (count == 1 && rc == 0 && Buggy.is(cmd, GrantTableOp.UNMAP_GRANT_REF)
                    && m.getShort(uops + GnttabUnmapGrantRefLayout.STATUS_OFFSET) == OKAY) {
                live.remove(handleKey);
            }
            return rc;
        };
    }

    private static long key(int domid, int handle) {
        return ((long) domid << 32) | Integer.toUnsignedLong(handle);
    }

    /** The granter and reference a map element names. */
    private static int granter(HypercallContext c, long uops) {
        return Short.toUnsignedInt(c.memory().getShort(uops + GnttabMapGrantRefLayout.DOM_OFFSET));
    }

    private static long ref(HypercallContext c, long uops) {
        return Integer.toUnsignedLong(c.memory().getInt(uops + GnttabMapGrantRefLayout.REF_OFFSET));
    }

    /** Answers okay (with a handle no mapping has) for a map element the real hypervisor refused. */
    private static void answerOkay(HypercallContext c, long uops) {
        c.memory().setShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET, (short) OKAY);
        c.memory().setInt(uops + GnttabMapGrantRefLayout.HANDLE_OFFSET, NO_SUCH_MAPPING);
    }

    /**
     * GNT-40: an unmap clears the busy bits when the mapper's last mapping of the entry goes, although a copy still
     * holds the entry: the release counts mappings and forgets the copies in progress (pv-grant's
     * {@code ActiveEntry.pins} without its copy terms).
     */
    static final class UnmapForgetsTheCopy extends BuggyVerification {
        UnmapForgetsTheCopy() {
            super(duringCopy((b, c, cmd, uops, copy, live) -> {
                if (!Buggy.is(cmd, GrantTableOp.UNMAP_GRANT_REF)) {
                    return b.real(c, cmd, uops, 1);
                }
                long[] entry = live.get(key(c.domid(), c.memory().getInt(uops + GnttabUnmapGrantRefLayout.HANDLE_OFFSET)));
                long rc = b.real(c, cmd, uops, 1);
                if (entry != null && copy.holds((int) entry[0], entry[1])
                        && c.memory().getShort(uops + GnttabUnmapGrantRefLayout.STATUS_OFFSET) == OKAY) {
                    long others = live.entrySet().stream()
                            .filter(e -> e.getKey() >>> 32 == c.domid() && e.getValue()[0] == entry[0]
                                    && e.getValue()[1] == entry[1])
                            .count();
                    if (others == 1) { // only the mapping being unmapped (removed from live after this returns)
                        b.clearBits((int) entry[0], entry[1], GrantFlags.READING | GrantFlags.WRITING);
                    }
                }
                return rc;
            }));
        }
    }

    /**
     * GNT-40: while only a copy pins an entry, a map by another domain is accepted: the pin check ("is the entry
     * pinned, and by whom") counts mappings only, so the entry looks unpinned and the check of the pinning domain is
     * skipped (pv-grant's {@code ActiveEntry.pins} with a copy term subtracted). The bug answers okay with a handle no
     * mapping has.
     */
    static final class ForeignMapOfACopiedEntry extends BuggyVerification {
        ForeignMapOfACopiedEntry() {
            super(duringCopy((b, c, cmd, uops, copy, live) -> {
                long rc = b.real(c, cmd, uops, 1);
                if (rc == 0 && Buggy.is(cmd, GrantTableOp.MAP_GRANT_REF) && c.domid() != copy.caller()
                        && copy.holds(granter(c, uops), ref(c, uops))
                        && c.memory().getShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET) < 0) {
                    answerOkay(c, uops);
                }
                return rc;
            }));
        }
    }

    /**
     * GNT-41: the pin bound of a map ignores the copies in progress: the copying domain's map of an entry the copy
     * holds is judged on its mapping counter alone (pv-grant's {@code ActiveEntry.atBound} without its copy terms).
     * The bug answers okay, with a handle no mapping has, where the real hypervisor refused the map.
     */
    static final class PinBoundIgnoresTheCopy extends BuggyVerification {
        PinBoundIgnoresTheCopy() {
            super(duringCopy((b, c, cmd, uops, copy, live) -> {
                long rc = b.real(c, cmd, uops, 1);
                if (rc == 0 && Buggy.is(cmd, GrantTableOp.MAP_GRANT_REF) && c.domid() == copy.caller()
                        && copy.holds(granter(c, uops), ref(c, uops))
                        && c.memory().getShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET)
                        == GrantStatus.GENERAL_ERROR.code()) {
                    answerOkay(c, uops);
                }
                return rc;
            }));
        }
    }

    /** For a single copy element into a grant (GNTCOPY_dest_gref): the granter's entry word, or -1 for another copy. */
    private static long destWord(Buggy b, HypercallContext c, long cmd, long uops, long count) {
        if (count != 1 || !Buggy.is(cmd, GrantTableOp.COPY)) {
            return -1;
        }
        GuestMemory m = c.memory();
        int flags = Short.toUnsignedInt(m.getShort(uops + GnttabCopyLayout.FLAGS_OFFSET));
        int granter = Short.toUnsignedInt(m.getShort(uops + GnttabCopyLayout.DEST_DOMID_OFFSET));
        long ref = Integer.toUnsignedLong(m.getInt(uops + GnttabCopyLayout.DEST_U_REF_OFFSET));
        if ((flags & GntCopy.DEST_GREF) == 0 || granter == DomId.SELF || b.dom(granter) == null || ref >= 512) {
            return -1;
        }
        return ((long) granter << 32) | ref;
    }

    /**
     * GNT-42: a copy into an entry the caller already holds (mapped read-only) takes the pinned entry as it is and
     * skips the status update of a first writable use: GTF_readonly is never checked (pv-grant's
     * {@code CopyOperation.acquire} 273 with its {@code !readOnly && writers() == 0} test made false). The bug copies
     * the bytes into the pinned frame itself where the real hypervisor refused such a copy.
     */
    static final class CopyIntoHeldEntrySkipsItsStatus extends BuggyVerification {
        CopyIntoHeldEntrySkipsItsStatus() {
            super((b, c, cmd, uops, count) -> {
                long dest = destWord(b, c, cmd, uops, count);
                long rc = b.real(c, cmd, uops, count);
                GuestMemory m = c.memory();
                if (dest < 0 || rc != 0 || m.getShort(uops + GnttabCopyLayout.STATUS_OFFSET) != GrantStatus.GENERAL_ERROR.code()
                        || (m.getShort(uops + GnttabCopyLayout.FLAGS_OFFSET) & GntCopy.SOURCE_GREF) != 0) {
                    return rc;
                }
                int granter = (int) (dest >>> 32);
                GuestMemory g = b.dom(granter).memory;
                long entry = b.entry(granter, dest & 0xFFFF_FFFFL);
                int word = g.getIntVolatile(entry);
                if ((word & GrantFlags.READING) == 0 || (word & GrantFlags.READONLY) == 0 || word >>> 16 != c.domid()) {
                    return rc;
                }
                long frame = Integer.toUnsignedLong(g.getInt(entry + GrantEntryV1Layout.FRAME_OFFSET));
                long src = m.getLong(uops + GnttabCopyLayout.SOURCE_U_GMFN_OFFSET);
                int srcOffset = Short.toUnsignedInt(m.getShort(uops + GnttabCopyLayout.SOURCE_OFFSET_OFFSET));
                int dstOffset = Short.toUnsignedInt(m.getShort(uops + GnttabCopyLayout.DEST_OFFSET_OFFSET));
                int len = Short.toUnsignedInt(m.getShort(uops + GnttabCopyLayout.LEN_OFFSET));
                for (int i = 0; i < len; i++) {
                    g.setByte(GuestMemory.gpaOf(frame) + dstOffset + i, m.getByte(GuestMemory.gpaOf(src) + srcOffset + i));
                }
                m.setShort(uops + GnttabCopyLayout.STATUS_OFFSET, (short) OKAY);
                return rc;
            });
        }
    }

    /**
     * GNT-42: the first writable use of a pinned entry by a copy checks the grant's domid and type again, as at a first
     * pin (pv-grant's {@code CopyOperation.acquire} 274 with {@code pinned} always false): a copy into an entry the
     * caller holds read-only is refused once the granter re-granted it to another domain.
     */
    static final class CopyIntoHeldEntryRechecksTheGrantee extends BuggyVerification {
        CopyIntoHeldEntryRechecksTheGrantee() {
            super((b, c, cmd, uops, count) -> {
                long dest = destWord(b, c, cmd, uops, count);
                if (dest >= 0) {
                    int granter = (int) (dest >>> 32);
                    int word = b.dom(granter).memory.getIntVolatile(b.entry(granter, dest & 0xFFFF_FFFFL));
                    if ((word & GrantFlags.READING) != 0 && (word & GrantFlags.WRITING) == 0 && word >>> 16 != c.domid()) {
                        c.memory().setShort(uops + GnttabCopyLayout.STATUS_OFFSET, (short) GrantStatus.GENERAL_ERROR.code());
                        return 0;
                    }
                }
                return b.real(c, cmd, uops, count);
            });
        }
    }
}
