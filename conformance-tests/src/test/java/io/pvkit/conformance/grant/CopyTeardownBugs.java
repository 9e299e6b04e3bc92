package io.pvkit.conformance.grant;

import io.pvkit.abi.grant.GnttabCopyLayout;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantStatus;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.BrokenVerification;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.Buggy;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The broken implementations that GNT-43 (a teardown waits for the copies in flight that use the dying domain's grants,
 * {@link CopyTeardown}) catches and the kit before it did not: no rule destroyed a domain while another domain's copy
 * of its grants was in flight. Each is pv-grant behind an adapter that knows which copies are in flight (single
 * elements, as the kit issues them) and which teardowns have begun; the first two model pv-grant's
 * {@code CopiesInFlight} survivors of session 8's whole-module PIT run (a teardown that does not see the copy's
 * announcement at all, or only its source side), the last two a copy that does not end well once its granter began
 * dying. Listed in {@link GrantTableVerificationSelfTest#brokenImplementations()}.
 */
final class CopyTeardownBugs {
    private CopyTeardownBugs() {
    }

    /** pv-grant with the copies in flight and the teardowns begun on record; subclasses plant one bug. */
    abstract static class Tracking extends Buggy {
        /** Per copy in flight (by its thread): the domains of its grant sides, source first (-1 for a frame side). */
        final Map<Thread, int[]> copying = new ConcurrentHashMap<>();
        /** The domains whose teardown has begun. */
        final Set<Integer> dying = ConcurrentHashMap.newKeySet();

        @Override
        long bug(HypercallContext c, long cmd, long uops, long count) {
            if (count != 1 || !is(cmd, GrantTableOp.COPY)) {
                return real(c, cmd, uops, count);
            }
            CopyPinBugs.InCopy copy = CopyPinBugs.InCopy.of(c, uops);
            int[] sides = {copy.srcGref() ? copy.srcDomid() : -1, copy.dstGref() ? copy.dstDomid() : -1};
            boolean dyingBefore = dying.contains(sides[0]) || dying.contains(sides[1]);
            copying.put(Thread.currentThread(), sides);
            try {
                return copy(c, uops, dyingBefore, () -> real(c, cmd, uops, count), sides);
            } finally {
                copying.remove(Thread.currentThread());
            }
        }

        /** The copy element itself; {@code run} is pv-grant's. */
        long copy(HypercallContext c, long uops, boolean dyingBefore, LongSupplier run, int[] sides) {
            return run.getAsLong();
        }

        /** Whether a copy in flight uses {@code domid}'s grants as the side {@code side} (0 source, 1 destination). */
        boolean copied(int domid, int side) {
            for (int[] s : copying.values()) {
                if (s[side] == domid) {
                    return true;
                }
            }
            return false;
        }

        @Override
        void release(int domid) {
            dying.add(domid);
            while (!tables.releaseDomain(domid, 8)) {
                if (gone(domid)) {
                    return;
                }
                tables.reap();
            }
        }

        /** Whether the bug takes the domain for gone although pv-grant still reports "not done". */
        boolean gone(int domid) {
            return false;
        }
    }

    /**
     * The teardown does not wait for copies in flight: once nothing but a copy holds the dying domain it is taken
     * for gone and its memory freed (pv-grant's {@code Teardown.releaseDomain} without its {@code inFlight.uses} term,
     * or {@code CopiesInFlight.Slot.enter} not publishing the copy's domains).
     */
    static final class TeardownIgnoresCopiesInFlight extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Tracking() {
                {
                    keepMemory = true; // the copy goes on after the early return: the kit sees the return, not a crash
                }

                @Override
                boolean gone(int domid) {
                    return copied(domid, 0) || copied(domid, 1);
                }
            };
        }
    }

    /**
     * The teardown waits for copies out of the dying domain's grants but not for copies into them (pv-grant's
     * {@code CopiesInFlight.Slot.uses} with its {@code second} term removed: the destination's announcement is not
     * seen).
     */
    static final class TeardownIgnoresCopiesIntoIt extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Tracking() {
                {
                    keepMemory = true; // as in TeardownIgnoresCopiesInFlight
                }

                @Override
                boolean gone(int domid) {
                    return copied(domid, 1) && !copied(domid, 0);
                }
            };
        }
    }

    /**
     * A copy whose granter began dying while it ran throws (an internal error the guest sees as a failed hypercall)
     * instead of finishing with a status; the teardown itself waits correctly.
     */
    static final class CopyThrowsWhenItsGranterDiesMeanwhile extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Tracking() {
                @Override
                long copy(HypercallContext c, long uops, boolean dyingBefore, LongSupplier run,
                          int[] sides) {
                    long rc = run.getAsLong();
                    if (!dyingBefore && (dying.contains(sides[0]) || dying.contains(sides[1]))) {
                        throw new IllegalStateException("the copy's granter is dying");
                    }
                    return rc;
                }
            };
        }
    }

    /**
     * A copy whose source's granter began dying while it ran gives up without writing and still answers GNTST_okay
     * (pv-grant's {@code CopyOperation.fastCopy} 108 answering 0 instead of the locked path once a domain is dying):
     * the planted bug puts the destination's bytes back as they were before the copy.
     */
    static final class CopyAnswersOkayWithoutTheBytes extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Tracking() {
                @Override
                long copy(HypercallContext c, long uops, boolean dyingBefore, LongSupplier run,
                          int[] sides) {
                    GuestMemory m = c.memory();
                    int granter = sides[1];
                    if (dyingBefore || sides[0] < 0 || granter < 0 || dom(granter) == null) {
                        return run.getAsLong();
                    }
                    long ref = Integer.toUnsignedLong(m.getInt(uops + GnttabCopyLayout.DEST_U_REF_OFFSET));
                    GuestMemory g = dom(granter).memory;
                    long frame = Integer.toUnsignedLong(g.getInt(entry(granter, ref) + GrantEntryV1Layout.FRAME_OFFSET));
                    int offset = Short.toUnsignedInt(m.getShort(uops + GnttabCopyLayout.DEST_OFFSET_OFFSET));
                    int len = Short.toUnsignedInt(m.getShort(uops + GnttabCopyLayout.LEN_OFFSET));
                    if (frame >= g.frames() || offset + len > GuestMemory.PAGE_SIZE) {
                        return run.getAsLong();
                    }
                    long at = GuestMemory.gpaOf(frame) + offset;
                    byte[] before = new byte[len];
                    for (int i = 0; i < len; i++) {
                        before[i] = g.getByte(at + i);
                    }
                    long rc = run.getAsLong();
                    if (rc == 0 && dying.contains(sides[0])
                            && m.getShort(uops + GnttabCopyLayout.STATUS_OFFSET) == GrantStatus.OKAY.code()) {
                        for (int i = 0; i < len; i++) {
                            g.setByte(at + i, before[i]);
                        }
                    }
                    return rc;
                }
            };
        }
    }
}
