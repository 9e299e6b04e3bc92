package io.pvkit.conformance.ring;

import io.pvkit.conformance.hostile.SharedMemoryView;
import io.pvkit.rings.FrontRing;
import io.pvkit.rings.RingType;
import io.pvkit.rings.SharedFrontRing;

/** pvkit's own front ring passes the front ring verification. */
class PvkitFrontRingConformanceTest extends FrontRingVerification {
    @Override
    protected FrontRing createFrontRing(SharedMemoryView memory, RingType type, int startIndex,
                                        FrontRing.ResponseValidator validator) {
        return SharedFrontRing.initialise(new ViewMemoryAccess(memory), type, startIndex, validator);
    }
}
