package io.pvkit.conformance.grant;

import io.pvkit.grant.GrantView;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * pv-grant's own accessors of a CHECKED host mapping (a {@link GrantView}, or a {@link io.pvkit.grant.GrantCursor}
 * bound to it) as the kit's {@link MappedFrame}: one call each, nothing added.
 *
 * @param view the view or bound cursor
 */
record GrantViewFrame(GrantView view) implements MappedFrame {

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
        return view.isAlive();
    }

    @Override
    public byte getByte(long offset) {
        return view.getByte(offset);
    }

    @Override
    public short getShort(long offset) {
        return view.getShort(offset);
    }

    @Override
    public int getInt(long offset) {
        return view.getInt(offset);
    }

    @Override
    public long getLong(long offset) {
        return view.getLong(offset);
    }

    @Override
    public void setByte(long offset, byte value) {
        view.setByte(offset, value);
    }

    @Override
    public void setShort(long offset, short value) {
        view.setShort(offset, value);
    }

    @Override
    public void setInt(long offset, int value) {
        view.setInt(offset, value);
    }

    @Override
    public void setLong(long offset, long value) {
        view.setLong(offset, value);
    }

    @Override
    public void copyTo(long offset, MemorySegment dst, long dstOffset, long length) {
        view.copyTo(offset, dst, dstOffset, length);
    }

    @Override
    public void copyFrom(MemorySegment src, long srcOffset, long offset, long length) {
        view.copyFrom(src, srcOffset, offset, length);
    }

    @Override
    public int writeTo(WritableByteChannel channel, long offset, int length) throws IOException {
        return view.writeTo(channel, offset, length);
    }

    @Override
    public int readFrom(ReadableByteChannel channel, long offset, int length) throws IOException {
        return view.readFrom(channel, offset, length);
    }

    @Override
    public int writeTo(FileChannel channel, long position, long offset, int length) throws IOException {
        return view.writeTo(channel, position, offset, length);
    }

    @Override
    public int readFrom(FileChannel channel, long position, long offset, int length) throws IOException {
        return view.readFrom(channel, position, offset, length);
    }
}
