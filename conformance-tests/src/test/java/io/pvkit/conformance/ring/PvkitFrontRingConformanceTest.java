package io.pvkit.conformance.ring;

import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.rings.FrontRing;
import io.pvkit.rings.RingType;
import io.pvkit.rings.SharedFrontRing;

/** pvkit's own front ring passes the front ring verification. */
class PvkitFrontRingConformanceTest extends FrontRingVerification {
    @Override
    protected FrontRing createFrontRing(MemoryAccess memory, RingType type, int startIndex,
                                        FrontRing.ResponseValidator validator) {
        // XEN_FRONT_RING_INIT when nothing else is asked for; SHARED_RING_INIT at startIndex with a validator otherwise
        return startIndex == 0 && validator == FrontRing.ResponseValidator.ACCEPT_ALL ? SharedFrontRing.initialise(memory, type)
                : SharedFrontRing.initialise(memory, type, startIndex, validator);
    }

    @Override
    protected boolean attachesFrontRings() {
        return true;
    }

    @Override
    protected FrontRing attachFrontRing(MemoryAccess memory, RingType type, int index, FrontRing.ResponseValidator validator) {
        return SharedFrontRing.attach(memory, type, index, validator);
    }
}
