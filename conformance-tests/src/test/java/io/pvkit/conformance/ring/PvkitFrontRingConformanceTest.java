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
        return SharedFrontRing.initialise(new ViewSharedMemory(memory), type, startIndex, validator);
    }
}
