package io.pvkit.conformance.ring;

import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.rings.FrontRing;
import io.pvkit.rings.RingType;
import io.pvkit.rings.SharedFrontRing;

/**
 * pvkit's own front ring passes the front ring verification over a {@link MemoryAccess} that is not a
 * {@code GuestMemory} (a {@link io.pvkit.abi.memory.ForwardingMemoryAccess} that forwards everything), so pv-rings' interface path runs every rule.
 */
class PvkitFrontRingOverMemoryAccessConformanceTest extends FrontRingVerification {
    @Override
    protected FrontRing createFrontRing(MemoryAccess memory, RingType type, int startIndex,
                                        FrontRing.ResponseValidator validator) {
        return SharedFrontRing.initialise(PvkitBackRingOverMemoryAccessConformanceTest.overAccess(memory), type,
                startIndex, validator);
    }

    @Override
    protected boolean attachesFrontRings() {
        return true;
    }

    @Override
    protected FrontRing attachFrontRing(MemoryAccess memory, RingType type, int index, FrontRing.ResponseValidator validator) {
        return SharedFrontRing.attach(PvkitBackRingOverMemoryAccessConformanceTest.overAccess(memory), type, index,
                validator);
    }
}
