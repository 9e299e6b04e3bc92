package io.pvkit.stress.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.GrantCopy;
import io.pvkit.grant.GrantTables;
import io.pvkit.grant.GuestGrantTable;
import io.pvkit.grant.MappingLifetime;
import io.pvkit.grant.PinCounts;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import java.lang.foreign.Arena;

/**
 * GNTTABOP_copy's lock-free path (an entry used before: no registry monitor, the entry's own lock) racing a map
 * of the same entry, which decides "first pin" and "last release" too: the busy bits of a live mapping are never
 * cleared by the copy's release, and nothing is left behind once both are done.
 */
public final class GrantCopyTests {
    private GrantCopyTests() {
    }

    /** Domain 1 grants frame 1 writable to domain 2, and domain 2 has copied from it once (the entry exists). */
    static class CopiedOnce {
        final GuestMemory granter = page(2);
        final GuestMemory copier = page(1);
        final GrantTables hv = new GrantTables(MappingLifetime.CHECKED, 4);
        final GuestGrantTable table = new GuestGrantTable(granter, 0);
        final int ref;
        final GrantCopy op;

        CopiedOnce() {
            hv.addDomain(new DomainSpec(1, granter, 1, false), 0, 1);
            hv.addDomain(new DomainSpec(2, copier, 1, false), 0, 1);
            ref = table.grantAccess(2, 1, false);
            op = new GrantCopy(ref, 1, 0, 0, DomId.SELF, 0, 64, GntCopy.SOURCE_GREF);
            if (hv.copy(2, op) != 0) {
                throw new IllegalStateException("setup copy failed");
            }
        }

        private static GuestMemory page(int frames) {
            return GuestMemory.wrap(Arena.ofAuto().allocate((long) frames * GuestMemory.PAGE_SIZE, GuestMemory.PAGE_SIZE));
        }

        int busyBits() {
            return table.query(ref).flags() & (GrantFlags.READING | GrantFlags.WRITING);
        }
    }

    /** A copy out of the entry racing a writable device map and unmap of it. */
    @JCStressTest
    @Outcome(id = "1, 24, 0", expect = Expect.ACCEPTABLE, desc = "both succeeded; reading+writing set while mapped; nothing left")
    @Outcome(id = "1, 8, .*", expect = Expect.FORBIDDEN, desc = "the copy's release cleared GTF_writing under the live mapping")
    @Outcome(id = "1, 16, .*", expect = Expect.FORBIDDEN, desc = "the copy's release cleared GTF_reading under the live mapping")
    @Outcome(id = "1, 0, .*", expect = Expect.FORBIDDEN, desc = "busy bits cleared under the live mapping")
    @Outcome(expect = Expect.FORBIDDEN, desc = "a failed operation, or a pin or busy bit left behind")
    @State
    public static class CopyVersusMap extends CopiedOnce {
        /** The grantee copies from the grant. */
        @Actor
        public void copy(III_Result r) {
            r.r1 = hv.copy(2, op) == 0 ? 1 : 0;
        }

        /** The grantee maps the grant writable, looks at the busy bits while mapped, and unmaps. */
        @Actor
        public void mapUnmap(III_Result r) {
            int h = hv.mapHandle(2, 1, ref, GntMap.DEVICE_MAP, 0);
            r.r2 = h >= 0 ? busyBits() : -1;
            if (h >= 0) {
                hv.unmap(2, h);
            }
        }

        /**
         * Busy bits and pins after both finished (0 when nothing is left).
         *
         * @param r the result
         */
        @Arbiter
        public void observe(III_Result r) {
            r.r3 = busyBits() | (hv.pins(1, ref).equals(PinCounts.NONE) ? 0 : 1);
        }
    }
}
