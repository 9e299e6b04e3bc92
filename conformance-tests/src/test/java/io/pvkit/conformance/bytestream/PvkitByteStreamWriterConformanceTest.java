package io.pvkit.conformance.bytestream;

import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.rings.ByteStreamLayout;
import io.pvkit.rings.ByteStreamWriter;

/** pvkit's own byte-stream writer passes the writer verification. */
class PvkitByteStreamWriterConformanceTest extends ByteStreamWriterVerification {
    @Override
    protected ByteStreamWriter createWriter(MemoryAccess memory, ByteStreamLayout layout) {
        return ByteStreamWriter.attach(memory, layout);
    }
}
