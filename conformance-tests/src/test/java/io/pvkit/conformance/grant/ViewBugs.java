package io.pvkit.conformance.grant;

import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.BrokenVerification;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.Buggy;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Objects;

/**
 * The broken implementations that the mapped-access rules (GNT-32 .. GNT-36) catch and the kit before them did not:
 * accessors of a host mapping with one bug each (big-endian scalars, no bounds check against the frame, writes through a read-only
 * mapping, scalar reads that never check the mapping is live, a channel read that goes through a private buffer and
 * writes the frame after the channel returned), over pv-grant's real mapping; listed in
 * {@link GrantTableVerificationSelfTest#brokenImplementations()}. Not test classes themselves (nested, so no runner
 * selects them).
 */
final class ViewBugs {
    private static final int PAGE = GuestMemory.PAGE_SIZE;

    private ViewBugs() {
    }

    /** The mapping's granted frame, and the granter's memory around it, read from the hypervisor's record. */
    record Granted(GuestMemory granter, long base, boolean readOnly) {
        static Granted of(HypervisorUnderTest hypervisor, DomainUnderTest mapper, int handle) {
            Buggy b = (Buggy) hypervisor;
            long[] mapped = b.maps.get(((long) mapper.domid() << 32) | (handle & 0xFFFFFFFFL));
            GuestMemory g = b.dom((int) mapped[0]).memory;
            long frame = Integer.toUnsignedLong(g.getInt(b.entry((int) mapped[0], mapped[1])
                    + GrantEntryV1Layout.FRAME_OFFSET));
            return new Granted(g, GuestMemory.gpaOf(frame), mapped[2] == 1);
        }

        /** The granted frame as a writable segment of the granter's memory, bypassing the mapping. */
        MappedFrame frame() {
            return MappedFrame.of(granter.segment().asSlice(base, PAGE));
        }

        /** The granter's memory from the frame before to the frame after, with the mapping's read-only mode. */
        MappedFrame around() {
            MemorySegment s = granter.segment().asSlice(base - PAGE, 3L * PAGE);
            return MappedFrame.of(readOnly ? s.asReadOnly() : s);
        }
    }

    /** Every access goes to {@code real}, the frame of the implementation; a bug overrides some. */
    static class ForwardingFrame implements MappedFrame {
        final MappedFrame real;

        ForwardingFrame(MappedFrame real) {
            this.real = real;
        }

        @Override
        public long byteSize() {
            return real.byteSize();
        }

        @Override
        public boolean isReadOnly() {
            return real.isReadOnly();
        }

        @Override
        public boolean isAlive() {
            return real.isAlive();
        }

        @Override
        public byte getByte(long offset) {
            return real.getByte(offset);
        }

        @Override
        public short getShort(long offset) {
            return real.getShort(offset);
        }

        @Override
        public int getInt(long offset) {
            return real.getInt(offset);
        }

        @Override
        public long getLong(long offset) {
            return real.getLong(offset);
        }

        @Override
        public void setByte(long offset, byte value) {
            real.setByte(offset, value);
        }

        @Override
        public void setShort(long offset, short value) {
            real.setShort(offset, value);
        }

        @Override
        public void setInt(long offset, int value) {
            real.setInt(offset, value);
        }

        @Override
        public void setLong(long offset, long value) {
            real.setLong(offset, value);
        }

        @Override
        public void copyTo(long offset, MemorySegment dst, long dstOffset, long length) {
            real.copyTo(offset, dst, dstOffset, length);
        }

        @Override
        public void copyFrom(MemorySegment src, long srcOffset, long offset, long length) {
            real.copyFrom(src, srcOffset, offset, length);
        }

        @Override
        public int writeTo(WritableByteChannel channel, long offset, int length) throws IOException {
            return real.writeTo(channel, offset, length);
        }

        @Override
        public int readFrom(ReadableByteChannel channel, long offset, int length) throws IOException {
            return real.readFrom(channel, offset, length);
        }

        @Override
        public int writeTo(FileChannel channel, long position, long offset, int length) throws IOException {
            return real.writeTo(channel, position, offset, length);
        }

        @Override
        public int readFrom(FileChannel channel, long position, long offset, int length) throws IOException {
            return real.readFrom(channel, position, offset, length);
        }
    }

    /** A broken verification over a pv-grant hypervisor that records its mappings, whose accessors have one bug. */
    abstract static class BuggyAccessors extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
            };
        }

        @Override
        protected MappedFrame mappedFrame(HypervisorUnderTest hypervisor, DomainUnderTest mapper, int handle) {
            MappedFrame real = super.mappedFrame(hypervisor, mapper, handle);
            return real == null ? null : bug(real, Granted.of(hypervisor, mapper, handle));
        }

        abstract MappedFrame bug(MappedFrame real, Granted granted);
    }

    /** GNT-32: multi-byte values are read and written big-endian (the host's order taken for the guest's). */
    static final class ScalarsBigEndian extends BuggyAccessors {
        @Override
        MappedFrame bug(MappedFrame real, Granted granted) {
            return new ForwardingFrame(real) {
                @Override
                public short getShort(long offset) {
                    return Short.reverseBytes(real.getShort(offset));
                }

                @Override
                public int getInt(long offset) {
                    return Integer.reverseBytes(real.getInt(offset));
                }

                @Override
                public long getLong(long offset) {
                    return Long.reverseBytes(real.getLong(offset));
                }

                @Override
                public void setShort(long offset, short value) {
                    real.setShort(offset, Short.reverseBytes(value));
                }

                @Override
                public void setInt(long offset, int value) {
                    real.setInt(offset, Integer.reverseBytes(value));
                }

                @Override
                public void setLong(long offset, long value) {
                    real.setLong(offset, Long.reverseBytes(value));
                }
            };
        }
    }

    /**
     * GNT-33: the accessors check offsets against the granter's memory, not against the frame: an access before or
     * past the frame reads and writes the neighbouring frames.
     */
    static final class FrameBoundsNotChecked extends BuggyAccessors {
        @Override
        MappedFrame bug(MappedFrame real, Granted granted) {
            return new ForwardingFrame(real) {
                private MappedFrame pick(long offset, long length) {
                    return offset >= 0 && length >= 0 && offset <= PAGE - length ? real : granted.around();
                }

                private static long shift(long offset) {
                    return offset + PAGE;
                }

                @Override
                public byte getByte(long offset) {
                    return pick(offset, 1) == real ? real.getByte(offset) : granted.around().getByte(shift(offset));
                }

                @Override
                public short getShort(long offset) {
                    return pick(offset, 2) == real ? real.getShort(offset) : granted.around().getShort(shift(offset));
                }

                @Override
                public int getInt(long offset) {
                    return pick(offset, 4) == real ? real.getInt(offset) : granted.around().getInt(shift(offset));
                }

                @Override
                public long getLong(long offset) {
                    return pick(offset, 8) == real ? real.getLong(offset) : granted.around().getLong(shift(offset));
                }

                @Override
                public void setByte(long offset, byte value) {
                    if (pick(offset, 1) == real) {
                        real.setByte(offset, value);
                    } else {
                        granted.around().setByte(shift(offset), value);
                    }
                }

                @Override
                public void setShort(long offset, short value) {
                    if (pick(offset, 2) == real) {
                        real.setShort(offset, value);
                    } else {
                        granted.around().setShort(shift(offset), value);
                    }
                }

                @Override
                public void setInt(long offset, int value) {
                    if (pick(offset, 4) == real) {
                        real.setInt(offset, value);
                    } else {
                        granted.around().setInt(shift(offset), value);
                    }
                }

                @Override
                public void setLong(long offset, long value) {
                    if (pick(offset, 8) == real) {
                        real.setLong(offset, value);
                    } else {
                        granted.around().setLong(shift(offset), value);
                    }
                }

                @Override
                public void copyTo(long offset, MemorySegment dst, long dstOffset, long length) {
                    if (pick(offset, length) == real) {
                        real.copyTo(offset, dst, dstOffset, length);
                    } else {
                        granted.around().copyTo(shift(offset), dst, dstOffset, length);
                    }
                }

                @Override
                public void copyFrom(MemorySegment src, long srcOffset, long offset, long length) {
                    if (pick(offset, length) == real) {
                        real.copyFrom(src, srcOffset, offset, length);
                    } else {
                        granted.around().copyFrom(src, srcOffset, shift(offset), length);
                    }
                }

                @Override
                public int writeTo(WritableByteChannel channel, long offset, int length) throws IOException {
                    return pick(offset, length) == real ? real.writeTo(channel, offset, length)
                            : granted.around().writeTo(channel, shift(offset), length);
                }

                @Override
                public int readFrom(ReadableByteChannel channel, long offset, int length) throws IOException {
                    return pick(offset, length) == real ? real.readFrom(channel, offset, length)
                            : granted.around().readFrom(channel, shift(offset), length);
                }

                @Override
                public int writeTo(FileChannel channel, long position, long offset, int length) throws IOException {
                    return pick(offset, length) == real ? real.writeTo(channel, position, offset, length)
                            : granted.around().writeTo(channel, position, shift(offset), length);
                }

                @Override
                public int readFrom(FileChannel channel, long position, long offset, int length) throws IOException {
                    return pick(offset, length) == real ? real.readFrom(channel, position, offset, length)
                            : granted.around().readFrom(channel, position, shift(offset), length);
                }
            };
        }
    }

    /** GNT-34: a read-only mapping's accessors write: the mode is taken from nowhere, writes reach the frame. */
    static final class ReadOnlyMappingWritable extends BuggyAccessors {
        @Override
        MappedFrame bug(MappedFrame real, Granted granted) {
            if (!granted.readOnly()) {
                return real;
            }
            MappedFrame writable = granted.frame();
            return new ForwardingFrame(real) {
                @Override
                public void setByte(long offset, byte value) {
                    writable.setByte(offset, value);
                }

                @Override
                public void setShort(long offset, short value) {
                    writable.setShort(offset, value);
                }

                @Override
                public void setInt(long offset, int value) {
                    writable.setInt(offset, value);
                }

                @Override
                public void setLong(long offset, long value) {
                    writable.setLong(offset, value);
                }

                @Override
                public void copyFrom(MemorySegment src, long srcOffset, long offset, long length) {
                    writable.copyFrom(src, srcOffset, offset, length);
                }

                @Override
                public int readFrom(ReadableByteChannel channel, long offset, int length) throws IOException {
                    return writable.readFrom(channel, offset, length);
                }

                @Override
                public int readFrom(FileChannel channel, long position, long offset, int length) throws IOException {
                    return writable.readFrom(channel, position, offset, length);
                }
            };
        }
    }

    /**
     * GNT-35: scalar reads never check that the mapping is live (a seqlock read without its validation): after the
     * unmap they return bytes of a page the granter may have reused.
     */
    static final class ScalarReadsUnchecked extends BuggyAccessors {
        @Override
        MappedFrame bug(MappedFrame real, Granted granted) {
            MappedFrame unchecked = granted.frame();
            return new ForwardingFrame(real) {
                @Override
                public byte getByte(long offset) {
                    return unchecked.getByte(offset);
                }

                @Override
                public short getShort(long offset) {
                    return unchecked.getShort(offset);
                }

                @Override
                public int getInt(long offset) {
                    return unchecked.getInt(offset);
                }

                @Override
                public long getLong(long offset) {
                    return unchecked.getLong(offset);
                }
            };
        }
    }

    /**
     * GNT-36: a channel read into the frame reads into a private buffer and copies it into the frame after the
     * channel returned, so nothing holds the mapping while the read is in flight: an unmap meanwhile drops the pins
     * at once, and the granter may reuse the page the copy then writes (here the copy finds the mapping dead).
     */
    static final class ChannelReadNotPinned extends BuggyAccessors {
        @Override
        MappedFrame bug(MappedFrame real, Granted granted) {
            return new ForwardingFrame(real) {
                @Override
                public int readFrom(ReadableByteChannel channel, long offset, int length) throws IOException {
                    Objects.checkFromIndexSize(offset, length, PAGE);
                    ByteBuffer buffer = ByteBuffer.allocateDirect(length);
                    int n = channel.read(buffer);
                    if (n > 0) {
                        real.copyFrom(MemorySegment.ofBuffer(buffer.flip()), 0, offset, n);
                    }
                    return n;
                }
            };
        }
    }
}
