package io.pvkit.conformance.ring;

import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.rings.BackRing;
import io.pvkit.rings.RingType;
import io.pvkit.rings.SharedBackRing;

/** pvkit's own back ring passes the back ring verification. */
class PvkitBackRingConformanceTest extends BackRingVerification {
    @Override
    protected BackRing createBackRing(MemoryAccess memory, RingType type, int startIndex) {
        // BACK_RING_INIT (private indices 0) for a ring initialised at 0, BACK_RING_ATTACH otherwise
        return startIndex == 0 ? SharedBackRing.attach(memory, type) : SharedBackRing.attach(memory, type, startIndex);
    }
}
