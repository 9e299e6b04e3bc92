package io.pvkit.conformance.ring;

import io.pvkit.conformance.hostile.SharedMemoryView;
import io.pvkit.rings.BackRing;
import io.pvkit.rings.RingType;
import io.pvkit.rings.SharedBackRing;

/** pvkit's own back ring passes the back ring verification. */
class PvkitBackRingConformanceTest extends BackRingVerification {
    @Override
    protected BackRing createBackRing(SharedMemoryView memory, RingType type, int startIndex) {
        return SharedBackRing.attach(new ViewMemoryAccess(memory), type, startIndex);
    }
}
