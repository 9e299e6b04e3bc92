package io.pvkit.conformance.bytestream;

import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.rings.ByteStreamLayout;
import io.pvkit.rings.ByteStreamReader;

/** pvkit's own byte-stream reader passes the reader verification. */
class PvkitByteStreamReaderConformanceTest extends ByteStreamReaderVerification {
    @Override
    protected ByteStreamReader createReader(MemoryAccess memory, ByteStreamLayout layout) {
        return ByteStreamReader.attach(memory, layout);
    }
}
