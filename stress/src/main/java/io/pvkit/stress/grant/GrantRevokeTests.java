package io.pvkit.stress.grant;

import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.GrantTables;
import io.pvkit.grant.GuestGrantTable;
import io.pvkit.grant.MapResult;
import io.pvkit.grant.MappingLifetime;
import io.pvkit.grant.RevokeResult;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import java.lang.foreign.Arena;

/**
 * The granter's revoke (a CAS of the flags to 0 that fails while GTF_reading/GTF_writing is set) races
 * the hypervisor's map (a CAS that checks the entry and sets those bits) on one entry: exactly one wins,
 * and never are both "revoked" and "mapped" reported (XSA-396; grant_table.h).
 */
public final class GrantRevokeTests {
    private GrantRevokeTests() {
    }

    /** Domain 1 grants frame 1 writable to domain 2; GC-managed memory (jcstress makes many states). */
    static class Granted {
        final GuestMemory granter = page(2);
        final GuestMemory mapper = page(1);
        final GrantTables hv = new GrantTables(MappingLifetime.CONFINED, 4);
        final GuestGrantTable table = new GuestGrantTable(granter, 0);
        final int ref;

        Granted() {
            hv.addDomain(new DomainSpec(1, granter, 1, false), 0, 1);
            hv.addDomain(new DomainSpec(2, mapper, 1, false), 0, 1);
            ref = table.grantAccess(2, 1, false);
        }

        private static GuestMemory page(int frames) {
            return GuestMemory.wrap(Arena.ofAuto().allocate((long) frames * GuestMemory.PAGE_SIZE, GuestMemory.PAGE_SIZE));
        }

        int busyBits() {
            return table.query(ref).flags() & (GrantFlags.READING | GrantFlags.WRITING);
        }
    }

    /** Revoke racing a device map of the same entry. */
    @JCStressTest
    @Outcome(id = "1, 0, 0", expect = Expect.ACCEPTABLE, desc = "revoke won: the map failed, no busy bits")
    @Outcome(id = "0, 1, 24", expect = Expect.ACCEPTABLE, desc = "map won: revoke reported still in use, reading+writing set")
    @Outcome(id = "1, 1, .*", expect = Expect.FORBIDDEN, desc = "revoked AND mapped: the page could be reused while mapped")
    @Outcome(expect = Expect.FORBIDDEN, desc = "neither won, or stale busy bits")
    @State
    public static class RevokeVersusMap extends Granted {
        /** The granter ends access. */
        @Actor
        public void revoke(III_Result r) {
            r.r1 = table.endAccess(ref) == RevokeResult.REVOKED ? 1 : 0;
        }

        /** The grantee maps the entry writable. */
        @Actor
        public void map(III_Result r) {
            MapResult m = hv.map(2, 1, ref, GntMap.DEVICE_MAP, 0);
            r.r2 = m.ok() ? 1 : 0;
        }

        /**
         * The busy bits after both finished.
         *
         * @param r the result
         */
        @Arbiter
        public void observe(III_Result r) {
            r.r3 = busyBits();
        }
    }

    /** Revoke racing the unmap of the only mapping: revoke fails before the unmap and succeeds after it. */
    @JCStressTest
    @Outcome(id = "1, 0, 0", expect = Expect.ACCEPTABLE, desc = "unmap first: revoke succeeded, no busy bits")
    @Outcome(id = "0, 1, 0", expect = Expect.ACCEPTABLE, desc = "revoke first: still in use; the entry stays valid, bits cleared by unmap")
    @Outcome(expect = Expect.FORBIDDEN, desc = "busy bits left set, or the entry lost without a successful revoke")
    @State
    public static class RevokeVersusUnmap extends Granted {
        private final int handle = hv.map(2, 1, ref, GntMap.DEVICE_MAP, 0).handle();

        /** The granter ends access. */
        @Actor
        public void revoke(III_Result r) {
            r.r1 = table.endAccess(ref) == RevokeResult.REVOKED ? 1 : 0;
        }

        /** The grantee unmaps. */
        @Actor
        public void unmap() {
            hv.unmap(2, handle);
        }

        /**
         * Whether the entry is still a valid grant, and its busy bits.
         *
         * @param r the result
         */
        @Arbiter
        public void observe(III_Result r) {
            r.r2 = table.query(ref).permitsAccess() ? 1 : 0;
            r.r3 = busyBits();
        }
    }
}
