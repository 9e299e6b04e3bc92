package io.pvkit.conformance.grant;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * The accesses of a mapping's segment view: {@link MappedFrame#of}.
 *
 * @param view the view of one host mapping
 */
record SegmentFrame(MemorySegment view) implements MappedFrame {
    private static final ValueLayout.OfShort U16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Override
    public long byteSize() {
        return view.byteSize();
    }

    @Override
    public boolean isReadOnly() {
        return view.isReadOnly();
    }

    @Override
    public boolean isAlive() {
        return view.scope().isAlive();
    }

    @Override
    public byte getByte(long offset) {
        return view.get(ValueLayout.JAVA_BYTE, offset);
    }

    @Override
    public short getShort(long offset) {
        return view.get(U16, offset);
    }

    @Override
    public int getInt(long offset) {
        return view.get(U32, offset);
    }

    @Override
    public long getLong(long offset) {
        return view.get(U64, offset);
    }

    @Override
    public void setByte(long offset, byte value) {
        view.set(ValueLayout.JAVA_BYTE, offset, value);
    }

    @Override
    public void setShort(long offset, short value) {
        view.set(U16, offset, value);
    }

    @Override
    public void setInt(long offset, int value) {
        view.set(U32, offset, value);
    }

    @Override
    public void setLong(long offset, long value) {
        view.set(U64, offset, value);
    }

    @Override
    public void copyTo(long offset, MemorySegment dst, long dstOffset, long length) {
        MemorySegment.copy(view, offset, dst, dstOffset, length);
    }

    @Override
    public void copyFrom(MemorySegment src, long srcOffset, long offset, long length) {
        MemorySegment.copy(src, srcOffset, view, offset, length);
    }

    @Override
    public int writeTo(WritableByteChannel channel, long offset, int length) throws IOException {
        return channel.write(view.asSlice(offset, length).asByteBuffer());
    }

    @Override
    public int readFrom(ReadableByteChannel channel, long offset, int length) throws IOException {
        // a read-only segment's buffer is read-only: NIO refuses it before reading (IllegalArgumentException)
        return channel.read(view.asSlice(offset, length).asByteBuffer());
    }

    @Override
    public int writeTo(FileChannel channel, long position, long offset, int length) throws IOException {
        return channel.write(view.asSlice(offset, length).asByteBuffer(), position);
    }

    @Override
    public int readFrom(FileChannel channel, long position, long offset, int length) throws IOException {
        return channel.read(view.asSlice(offset, length).asByteBuffer(), position);
    }
}
