package io.pvkit.conformance.ring;

import io.pvkit.abi.memory.ForwardingMemoryAccess;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.rings.BackRing;
import io.pvkit.rings.RingType;
import io.pvkit.rings.SharedBackRing;

/**
 * pvkit's own back ring passes the back ring verification over a {@link MemoryAccess} that is not a
 * {@link GuestMemory} (a {@link io.pvkit.abi.memory.ForwardingMemoryAccess} that forwards everything): pv-rings' interface path, which
 * {@link PvkitBackRingConformanceTest} reaches only in the hostile-memory rules, runs every rule.
 */
class PvkitBackRingOverMemoryAccessConformanceTest extends BackRingVerification {
    @Override
    protected BackRing createBackRing(MemoryAccess memory, RingType type, int startIndex) {
        return SharedBackRing.attach(overAccess(memory), type, startIndex);
    }

    /** A plain guest memory behind a forwarding seam; a hostile one as the kit gave it. */
    static MemoryAccess overAccess(MemoryAccess memory) {
        return memory instanceof GuestMemory ? new ForwardingMemoryAccess(memory) { } : memory;
    }
}
