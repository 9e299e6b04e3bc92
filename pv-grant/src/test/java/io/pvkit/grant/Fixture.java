package io.pvkit.grant;

import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.memory.GuestMemory;

/** Three domains (0 privileged, 1, 2) with 32 frames each; grant table at frames 0..3 (1 active). */
final class Fixture implements AutoCloseable {
    static final int FRAMES = 32;
    static final int TABLE_FRAMES = 4;
    final GuestMemory[] mem = new GuestMemory[3];
    final GuestGrantTable[] guest = new GuestGrantTable[3];
    final GrantTables hv;

    Fixture() {
        this(new GrantTables());
    }

    Fixture(GrantTables hv) {
        this.hv = hv;
        for (int d = 0; d < 3; d++) {
            mem[d] = GuestMemory.allocate(FRAMES);
            hv.addDomain(new DomainSpec(d, mem[d], 1, d == 0), 0, TABLE_FRAMES);
            guest[d] = new GuestGrantTable(mem[d], 0);
        }
    }

    /** A data frame of domain d, filled with a recognisable pattern. */
    long dataFrame(int d, int i, byte fill) {
        long gfn = TABLE_FRAMES + i;
        mem[d].fill(GuestMemory.gpaOf(gfn), GuestMemory.PAGE_SIZE, fill);
        return gfn;
    }

    int flags(int d, int ref) {
        return guest[d].query(ref).flags();
    }

    @Override
    public void close() {
        for (int d = 0; d < 3; d++) {
            hv.releaseDomain(d, Integer.MAX_VALUE);
            mem[d].close();
        }
    }
}
