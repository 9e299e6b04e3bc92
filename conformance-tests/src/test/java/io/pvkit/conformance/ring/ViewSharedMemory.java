package io.pvkit.conformance.ring;

import io.pvkit.conformance.hostile.SharedMemoryView;
import io.pvkit.rings.spi.SharedMemory;

import java.lang.foreign.MemorySegment;

/** pv-rings' {@link SharedMemory} seam over the kit's (possibly hostile) view: one line per method. */
record ViewSharedMemory(SharedMemoryView view) implements SharedMemory {
    private static final MemorySegment ZEROS = MemorySegment.ofArray(new byte[4096]);

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
        view.copyTo(offset, destination, destinationOffset, length);
    }

    @Override
    public void copyIn(MemorySegment source, long sourceOffset, long offset, long length) {
        view.copyFrom(source, sourceOffset, offset, length);
    }

    @Override
    public void zero(long offset, long length) {
        for (long done = 0; done < length; done += ZEROS.byteSize()) {
            view.copyFrom(ZEROS, 0, offset + done, Math.min(ZEROS.byteSize(), length - done));
        }
    }
}
