package io.pvkit.conformance.ring;

import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.hostile.MemoryCopies;
import io.pvkit.rings.spi.SharedMemory;

import java.lang.foreign.MemorySegment;

/** pv-rings' {@link SharedMemory} seam over the kit's (possibly hostile) view: one line per method. */
record ViewSharedMemory(MemoryAccess view) implements SharedMemory {

    @Override
    public long byteSize() {
        return view.byteSize();
    }

    @Override
    public int getIntAcquire(long offset) {
        return view.getIntAcquire(offset);
    }

    @Override
    public int getIntVolatile(long offset) {
        return view.getIntVolatile(offset);
    }

    @Override
    public void setIntRelease(long offset, int value) {
        view.setIntRelease(offset, value);
    }

    @Override
    public void setIntVolatile(long offset, int value) {
        view.setIntVolatile(offset, value);
    }

    @Override
    public void copyOut(long offset, MemorySegment destination, long destinationOffset, long length) {
        MemoryCopies.copyOut(view, offset, destination, destinationOffset, length);
    }

    @Override
    public void copyIn(MemorySegment source, long sourceOffset, long offset, long length) {
        MemoryCopies.copyIn(source, sourceOffset, view, offset, length);
    }

    @Override
    public void zero(long offset, long length) {
        view.fill(offset, length, (byte) 0);
    }
}
