package io.pvkit.conformance.ring;

import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.rings.BackRing;
import io.pvkit.rings.RingType;
import io.pvkit.rings.SharedBackRing;

/** pvkit's own back ring passes the back ring verification. */
class PvkitBackRingConformanceTest extends BackRingVerification {
    @Override
    protected BackRing createBackRing(MemoryAccess memory, RingType type, int startIndex) {
        return SharedBackRing.attach(new ViewSharedMemory(memory), type, startIndex);
    }
}
