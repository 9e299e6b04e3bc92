package io.pvkit.stress.grant;

import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.GrantCursor;
import io.pvkit.grant.GrantTables;
import io.pvkit.grant.GuestGrantTable;
import io.pvkit.grant.MappingLifetime;
import io.pvkit.grant.RevokeResult;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import java.lang.foreign.Arena;

/**
 * A read through a {@link GrantCursor} races the unmap of its mapping, the granter's reuse of the page and a new
 * mapping of another frame in the same maptrack slot: the read returns the old frame's value (it ran while the
 * mapping was live) or throws; never the poison the granter wrote after it took the page back (a read validated too
 * early, or not at all), and never the new mapping's frame (an old binding that passed the check of the slot's next
 * mapping).
 */
public final class GrantCursorTests {
    private static final long OLD = 0x1111_1111_1111_1111L;
    private static final long NEW = 0x2222_2222_2222_2222L;
    private static final long POISON = 0xEEEE_EEEE_EEEE_EEEEL;

    private GrantCursorTests() {
    }

    /**
     * Read racing unmap, reuse and remap of the slot.
     */
    @JCStressTest
    @Outcome(id = "1, 1, 1", expect = Expect.ACCEPTABLE, desc = "read while mapped: the old frame's value")
    @Outcome(id = "-1, 1, 1", expect = Expect.ACCEPTABLE, desc = "the read (or the bind) came after the unmap: it threw")
    @Outcome(id = "3, .*", expect = Expect.FORBIDDEN, desc = "the poison the granter wrote after taking the page back")
    @Outcome(id = "2, .*", expect = Expect.FORBIDDEN, desc = "the slot's new mapping reached through the old binding")
    @Outcome(expect = Expect.FORBIDDEN, desc = "anything else: a failed revoke or remap, or a torn value")
    @State
    public static class ReadVersusUnmapAndReuse {
        /** Frames: 0 the table, 1 the old mapping's page, 2 the new one's. GC-managed (jcstress makes many states). */
        final GuestMemory granter = GuestMemory.wrap(Arena.ofAuto().allocate(3L * GuestMemory.PAGE_SIZE, GuestMemory.PAGE_SIZE));
        final GuestMemory mapper = GuestMemory.wrap(Arena.ofAuto().allocate(GuestMemory.PAGE_SIZE, GuestMemory.PAGE_SIZE));
        /** Maptrack limit 1: the new mapping takes the old one's slot. */
        final GrantTables hv = new GrantTables(MappingLifetime.CHECKED, 1);
        final GuestGrantTable table = new GuestGrantTable(granter, 0);
        final int oldRef;
        final int newRef;
        final int handle;

        /** Maps frame 1; frame 2 is granted, to be mapped into the same slot after the unmap. */
        public ReadVersusUnmapAndReuse() {
            hv.addDomain(new DomainSpec(1, granter, 1, false), 0, 1);
            hv.addDomain(new DomainSpec(2, mapper, 1, false), 0, 1);
            granter.setLong(GuestMemory.gpaOf(1), OLD);
            granter.setLong(GuestMemory.gpaOf(2), NEW);
            oldRef = table.grantAccess(2, 1, true);
            newRef = table.grantAccess(2, 2, true);
            handle = hv.mapHandle(2, 1, oldRef, GntMap.HOST_MAP | GntMap.READONLY, 0);
        }

        /**
         * The backend's worker binds its cursor to the handle and reads.
         *
         * @param r r1: 1 old value, 2 new frame's value, 3 poison, -1 threw or unbound
         */
        @Actor
        public void read(III_Result r) {
            GrantCursor c = hv.newCursor();
            if (!c.bind(2, handle)) {
                r.r1 = -1;
                return;
            }
            try {
                long v = c.getLong(0);
                r.r1 = v == OLD ? 1 : v == NEW ? 2 : v == POISON ? 3 : 0;
            } catch (IllegalStateException unmapped) {
                r.r1 = -1;
            }
        }

        /**
         * Another thread unmaps; the granter takes the page back and poisons it; the slot is mapped again.
         *
         * @param r r2: the revoke succeeded; r3: the remap succeeded
         */
        @Actor
        public void unmapAndReuse(III_Result r) {
            hv.unmap(2, handle);
            boolean revoked = table.endAccess(oldRef) == RevokeResult.REVOKED;
            r.r2 = revoked ? 1 : 0;
            if (revoked) {
                granter.setLong(GuestMemory.gpaOf(1), POISON);
            }
            r.r3 = hv.mapHandle(2, 1, newRef, GntMap.HOST_MAP | GntMap.READONLY, 0) >= 0 ? 1 : 0;
        }
    }
}
