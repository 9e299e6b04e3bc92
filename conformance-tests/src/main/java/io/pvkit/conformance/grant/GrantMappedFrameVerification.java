package io.pvkit.conformance.grant;

import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static io.pvkit.conformance.grant.MappedFrameChecks.PAGE;
import static io.pvkit.conformance.grant.MappedFrameChecks.SIZES;
import static io.pvkit.conformance.grant.MappedFrameChecks.get;
import static io.pvkit.conformance.grant.MappedFrameChecks.le;
import static io.pvkit.conformance.grant.MappedFrameChecks.mask;
import static io.pvkit.conformance.grant.MappedFrameChecks.refused;
import static io.pvkit.conformance.grant.MappedFrameChecks.set;
import static io.pvkit.conformance.grant.MappedFrameChecks.tempFile;
import static io.pvkit.conformance.grant.MappedFrameChecks.throwsSomething;

/**
 * A part of {@link GrantTableVerification} (extend that class, not this one): what a backend in the
 * hypervisor's process reads and writes through a live host mapping (GNT-32 .. GNT-34), through the implementation's
 * own accessors ({@link #mappedFrame}): the granter's bytes and little-endian scalars at every offset, the 4096-byte
 * bounds, and read-only mappings. The end of a mapping and accesses in flight follow in
 * {@link GrantMappedAccessVerification}.
 */
public abstract class GrantMappedFrameVerification extends GrantingGuestVerification {

    /** For subclasses. */
    protected GrantMappedFrameVerification() {
    }

    /**
     * The accesses a backend makes through a live host mapping, for GNT-32 .. GNT-36. Asked for on the thread that
     * made the mapping, and possibly more than once for one mapping: every frame of a mapping reads and writes the
     * same granted frame and dies with the mapping. The default wraps {@link #mappingView}'s segment
     * ({@link MappedFrame#of}), so an implementation that supplies a view runs these rules with no further code;
     * override it when backends access mappings through accessors of the implementation's own.
     *
     * @param hypervisor the hypervisor under test
     * @param mapper the domain that holds the mapping
     * @param handle the mapping handle
     * @return the accesses, or null when the implementation has no in-process access to mappings (the rules are then
     *     not run); asked for with the handle of a mapping that ended (GNT-35), null or accessors that refuse every
     *     access
     */
    protected MappedFrame mappedFrame(HypervisorUnderTest hypervisor, DomainUnderTest mapper, int handle) {
        MemorySegment view = mappingView(hypervisor, mapper, handle);
        return view == null ? null : MappedFrame.of(view);
    }

    /** {@link #mappedFrame}, or the rule is skipped when the implementation has none. */
    final MappedFrame frameOf(GrantDomain mapper, int handle) {
        MappedFrame f = mappedFrame(hypervisor, mapper.dom, handle);
        Assumptions.assumeTrue(f != null, "the implementation has no in-process access to host mappings");
        return f;
    }

    // ------------------------------------------------------------------------------------------ GNT-32

    /**
     * Rule {@linkplain GrantRules GNT-32}: a host mapping reads and writes the granted frame. B maps A's patterned
     * frame writable and reads every byte, and every 16-, 32- and 64-bit little-endian value at every offset; it
     * writes values of every size at aligned, unaligned, first and last offsets and A's frame changes exactly there; it
     * copies in and out in bulk, through a pipe and at a position of a file; a frame asked for again sees the writes of
     * the first, and both see what A writes afterwards.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the accessors address the granted frame (the frame of the entry pinned at map time), offset from its first
     *       byte, and the byte order is little-endian with no alignment required;</li>
     *   <li>nothing is cached: a read reaches the granter's memory now, and a write lands there at once;</li>
     *   <li>a bulk copy or channel transfer moves exactly {@code length} bytes from and to the offset asked for.</li>
     * </ul>
     *
     * @throws IOException from the pipe
     */
    @Test
    public void required_GNT_32_hostMappingReadsAndWritesTheGrantedFrame() throws IOException {
        long gfn = a.data(0);
        byte[] model = new byte[PAGE];
        for (int i = 0; i < PAGE; i++) {
            model[i] = (byte) (i * 7 + (i >>> 8) + 3);
        }
        a.mem.write(GuestMemory.gpaOf(gfn), model, 0, PAGE);
        a.grant(FIRST_REF, b.domid(), gfn, false);
        GrantDomain.Mapped m = b.map(a.domid(), FIRST_REF, HOST, 0x1000);
        assertEquals(OKAY, m.status(), "map of the grant");
        MappedFrame f = frameOf(b, m.handle());
        assertEquals(PAGE, f.byteSize(), "the size of a host mapping");
        assertFalse(f.isReadOnly(), "a writable host mapping is read-only");
        assertTrue(f.isAlive(), "a live host mapping is not alive");
        MemorySegment expected = MemorySegment.ofArray(model);
        for (int i = 0; i < PAGE; i++) {
            assertEquals(model[i], f.getByte(i), "byte " + i + " of the granted frame");
        }
        for (int size : SIZES) {
            for (int off = 0; off + size <= PAGE; off++) {
                long want = le(expected, off, size);
                long got = get(f, off, size);
                if (want != got) {
                    assertEquals(Long.toHexString(want), Long.toHexString(got), "the little-endian " + (8 * size)
                            + "-bit value at offset " + off + " of the granted frame");
                }
            }
        }

        long value = 0x8877_6655_4433_2211L;
        for (int size : SIZES) {
            for (long off : new long[] {0, 1, size - 1, 7, 2047, 2048 - size / 2, PAGE - size - 1, PAGE - size}) {
                value = Long.rotateLeft(value, 13) ^ off;
                set(f, off, size, value);
                for (int k = 0; k < size; k++) {
                    model[(int) off + k] = (byte) (value >>> (8 * k));
                }
                assertArrayEquals(model, frameBytes(a, gfn), "A's frame after a " + (8 * size) + "-bit write at offset "
                        + off + " through the mapping (little-endian, there and nowhere else)");
            }
        }

        MemorySegment out = MemorySegment.ofArray(new byte[PAGE + 16]);
        f.copyTo(1000, out, 5, 96);
        assertArrayEquals(java.util.Arrays.copyOfRange(model, 1000, 1096),
                out.asSlice(5, 96).toArray(ValueLayout.JAVA_BYTE), "96 bytes copied out from offset 1000");
        assertEquals(0, out.get(ValueLayout.JAVA_BYTE, 4), "the byte before the copy's destination");
        assertEquals(0, out.get(ValueLayout.JAVA_BYTE, 101), "the byte after the copy's destination");
        f.copyTo(0, out, 16, PAGE);
        assertArrayEquals(model, out.asSlice(16, PAGE).toArray(ValueLayout.JAVA_BYTE), "the whole frame copied out");
        byte[] in = new byte[PAGE];
        for (int i = 0; i < PAGE; i++) {
            in[i] = (byte) (0xA0 ^ i * 13);
        }
        f.copyFrom(MemorySegment.ofArray(in), 3, 3000, 96);
        System.arraycopy(in, 3, model, 3000, 96);
        assertArrayEquals(model, frameBytes(a, gfn), "A's frame after 96 bytes copied in at offset 3000");
        f.copyFrom(MemorySegment.ofArray(in), 0, 0, 0);
        f.copyTo(PAGE, out, 0, 0);
        assertArrayEquals(model, frameBytes(a, gfn), "A's frame after copies of zero bytes");

        Pipe pipe = Pipe.open();
        try {
            assertEquals(200, f.writeTo(pipe.sink(), 100, 200), "bytes written to a pipe from offset 100");
            ByteBuffer got = ByteBuffer.allocate(300);
            pipe.source().configureBlocking(false);
            pipe.source().read(got);
            assertEquals(200, got.position(), "bytes the pipe got from the mapping");
            assertArrayEquals(java.util.Arrays.copyOfRange(model, 100, 300), java.util.Arrays.copyOf(got.array(), 200),
                    "the bytes written to a pipe from offset 100");
            pipe.source().configureBlocking(true);
            byte[] sent = new byte[50];
            java.util.Arrays.fill(sent, (byte) 0x5D);
            pipe.sink().write(ByteBuffer.wrap(sent));
            assertEquals(50, f.readFrom(pipe.source(), 4000, 96), "bytes read from a pipe holding 50");
            System.arraycopy(sent, 0, model, 4000, 50);
            assertArrayEquals(model, frameBytes(a, gfn), "A's frame after 50 bytes read from a pipe at offset 4000");
        } finally {
            pipe.sink().close();
            pipe.source().close();
        }

        try (FileChannel file = tempFile()) {
            byte[] disk = new byte[2 * PAGE];
            for (int i = 0; i < disk.length; i++) {
                disk[i] = (byte) (i * 31 + 1);
            }
            file.write(ByteBuffer.wrap(disk), 0);
            assertEquals(300, f.readFrom(file, PAGE + 10, 200, 300), "bytes read from a file at position 4106");
            System.arraycopy(disk, PAGE + 10, model, 200, 300);
            assertArrayEquals(model, frameBytes(a, gfn), "A's frame after 300 bytes read from a file at offset 200");
            assertEquals(PAGE, f.writeTo(file, 100, 0, PAGE), "bytes written to a file at position 100");
            ByteBuffer back = ByteBuffer.allocate(PAGE);
            file.read(back, 100);
            assertArrayEquals(model, back.array(), "the whole frame written to a file at position 100");
        }

        MappedFrame again = frameOf(b, m.handle());
        again.setLong(8, 0x0102_0304_0506_0708L);
        assertEquals(0x0102_0304_0506_0708L, f.getLong(8),
                "a write through the frame asked for again, read through the first");
        byte[] le = new byte[8];
        for (int k = 0; k < 8; k++) {
            le[k] = (byte) (0x1122_3344_5566_7788L >>> (8 * k));
        }
        a.mem.write(GuestMemory.gpaOf(gfn) + 16, le, 0, 8);
        assertEquals(0x1122_3344_5566_7788L, f.getLong(16), "A's own write, read through the mapping");
        assertEquals(0x1122_3344_5566_7788L, again.getLong(16), "A's own write, read through the frame asked for again");
        assertEquals(OKAY, b.unmap(m.handle(), 0x1000, 0));
        assertEquals(0, a.busy(FIRST_REF), "no busy bits after the unmap");
    }

    // ------------------------------------------------------------------------------------------ GNT-33

    /**
     * Rule {@linkplain GrantRules GNT-33}: nothing reaches outside the frame. Through a writable mapping of a frame
     * whose neighbours hold other data, every scalar read and write, bulk copy and channel transfer at a negative
     * offset, at an offset whose access ends past byte 4095 (by one byte and far), and with a negative length, throws
     * {@link IndexOutOfBoundsException}; the frame and both neighbours are unchanged and nothing reaches the pipe; the
     * accesses that end exactly at byte 4095 work.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the check is {@code 0 <= offset} and {@code offset + size <= 4096} without overflow (e.g.
     *       {@code Objects.checkFromIndexSize}), against the frame, not against the granter's memory;</li>
     *   <li>a negative length is refused before anything moves;</li>
     *   <li>the check comes before the first byte is read or written, for channel transfers too.</li>
     * </ul>
     *
     * @throws IOException from the pipe
     */
    @Test
    public void required_GNT_33_noAccessReachesOutsideTheFrame() throws IOException {
        int i = 1;
        while (a.data(i - 1) != a.data(i) - 1 || a.data(i + 1) != a.data(i) + 1) {
            i++;
        }
        long gfn = a.data(i);
        a.fillFrame(gfn - 1, (byte) 0x11);
        a.fillFrame(gfn, (byte) 0x5A);
        a.fillFrame(gfn + 1, (byte) 0x22);
        byte[] before = frameBytes(a, gfn - 1);
        byte[] frame = frameBytes(a, gfn);
        byte[] after = frameBytes(a, gfn + 1);
        a.grant(FIRST_REF, b.domid(), gfn, false);
        GrantDomain.Mapped m = b.map(a.domid(), FIRST_REF, HOST, 0x1000);
        assertEquals(OKAY, m.status(), "map of the grant");
        MappedFrame f = frameOf(b, m.handle());
        Pipe pipe = Pipe.open();
        try (FileChannel file = tempFile()) {
            file.write(ByteBuffer.wrap(new byte[4 * PAGE]), 0);
            pipe.source().configureBlocking(false);
            pipe.sink().write(ByteBuffer.wrap(new byte[64]));
            MemorySegment buf = MemorySegment.ofArray(new byte[2 * PAGE]);
            List<String> reached = new ArrayList<>();
            for (int size : SIZES) {
                for (long off : new long[] {-1, -size, PAGE - size + 1, PAGE, PAGE + PAGE - size, Long.MIN_VALUE,
                        Long.MAX_VALUE, Long.MAX_VALUE - size + 2}) {
                    long o = off;
                    refused(reached, "a " + (8 * size) + "-bit read at offset " + o, () -> get(f, o, size));
                    refused(reached, "a " + (8 * size) + "-bit write at offset " + o, () -> set(f, o, size, -1L));
                }
            }
            for (long[] r : new long[][] {{-1, 1}, {-PAGE, PAGE}, {PAGE - 96 + 1, 96}, {PAGE, 1}, {1, PAGE},
                    {0, PAGE + 1}, {0, -1}, {100, -100}, {Long.MAX_VALUE, 2}, {2, Long.MAX_VALUE}}) {
                long off = r[0];
                long len = r[1];
                String what = " at offset " + off + " of length " + len;
                refused(reached, "a copy out" + what, () -> f.copyTo(off, buf, 0, len));
                refused(reached, "a copy in" + what, () -> f.copyFrom(buf, 0, off, len));
                if (len == (int) len) {
                    refused(reached, "a write to a pipe" + what, () -> f.writeTo(pipe.sink(), off, (int) len));
                    refused(reached, "a read from a pipe" + what, () -> f.readFrom(pipe.source(), off, (int) len));
                    refused(reached, "a write to a file" + what, () -> f.writeTo(file, 0, off, (int) len));
                    refused(reached, "a read from a file" + what, () -> f.readFrom(file, 0, off, (int) len));
                }
            }
            assertEquals(4 * PAGE, file.size(), "the size of the file after refused writes to it");
            ByteBuffer disk = ByteBuffer.allocate(4 * PAGE);
            file.read(disk, 0);
            assertArrayEquals(new byte[4 * PAGE], disk.array(), "the file after refused writes to it");
            assertEquals(List.of(), reached, "accesses outside the frame that were not refused with "
                    + "IndexOutOfBoundsException");
            assertArrayEquals(before, frameBytes(a, gfn - 1), "the frame before the mapped one");
            assertArrayEquals(frame, frameBytes(a, gfn), "the mapped frame after refused accesses");
            assertArrayEquals(after, frameBytes(a, gfn + 1), "the frame after the mapped one");
            ByteBuffer still = ByteBuffer.allocate(2 * PAGE);
            pipe.source().read(still);
            assertEquals(64, still.position(), "the pipe holds other than the 64 bytes put in it: refused reads from it "
                    + "took some, or refused writes to it sent some");

            for (int size : SIZES) {
                assertEquals(0x5A5A_5A5A_5A5A_5A5AL >>> (64 - 8 * size), get(f, PAGE - size, size) & mask(size),
                        "the " + (8 * size) + "-bit read that ends at byte 4095");
            }
            f.setByte(PAGE - 1, (byte) 0x33);
            f.copyTo(PAGE - 1, buf, 0, 1);
            assertEquals(0x33, buf.get(ValueLayout.JAVA_BYTE, 0), "a copy out of the last byte");
            assertEquals(1, f.writeTo(pipe.sink(), PAGE - 1, 1), "a write of the last byte to a pipe");
            assertEquals(1, f.writeTo(file, 0, PAGE - 1, 1), "a write of the last byte to a file");
            assertArrayEquals(before, frameBytes(a, gfn - 1), "the frame before the mapped one");
            assertArrayEquals(after, frameBytes(a, gfn + 1), "the frame after the mapped one");
        } finally {
            pipe.sink().close();
            pipe.source().close();
        }
        assertEquals(OKAY, b.unmap(m.handle(), 0x1000, 0));
    }

    // ------------------------------------------------------------------------------------------ GNT-34

    /**
     * Rule {@linkplain GrantRules GNT-34}: a read-only mapping is never written. B maps a read-only grant, and a
     * writable grant read-only; through each, every scalar write, a copy in and a read from a pipe throw and leave A's
     * frame unchanged, while reads work; the entry shows GTF_reading only.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the mapping's {@code GNTMAP_readonly} flag (not only the grant's {@code GTF_readonly}) decides whether
     *       its accessors write;</li>
     *   <li>every write path checks it: scalar sets, bulk copies in, channel reads into the frame;</li>
     *   <li>the check comes before the first byte moves.</li>
     * </ul>
     *
     * @throws IOException from the pipe
     */
    @Test
    public void required_GNT_34_readOnlyMappingRefusesEveryWrite() throws IOException {
        for (boolean grantReadOnly : new boolean[] {true, false}) {
            int ref = grantReadOnly ? FIRST_REF : FIRST_REF + 1;
            long gfn = a.data(grantReadOnly ? 0 : 1);
            a.fillFrame(gfn, (byte) (grantReadOnly ? 0x3C : 0x4D));
            byte[] frame = frameBytes(a, gfn);
            a.grant(ref, b.domid(), gfn, grantReadOnly);
            GrantDomain.Mapped m = b.map(a.domid(), ref, HOST | RO, 0x1000);
            String which = grantReadOnly ? "a read-only grant mapped read-only" : "a writable grant mapped read-only";
            assertEquals(OKAY, m.status(), "map of " + which);
            MappedFrame f = frameOf(b, m.handle());
            assertTrue(f.isReadOnly(), which + " is not read-only");
            assertEquals(frame[100], f.getByte(100), "a read through " + which);
            assertEquals(le(MemorySegment.ofArray(frame), 4088, 8), f.getLong(4088), "a read through " + which);
            MemorySegment src = MemorySegment.ofArray(new byte[PAGE]).fill((byte) 0x77);
            List<String> written = new ArrayList<>();
            Pipe pipe = Pipe.open();
            try {
                pipe.sink().write(ByteBuffer.wrap(new byte[64]).put(0, (byte) 0x66));
                for (int size : SIZES) {
                    for (long off : new long[] {0, 100, PAGE - size}) {
                        if (!throwsSomething(() -> set(f, off, size, 0x7777_7777_7777_7777L))) {
                            written.add("a " + (8 * size) + "-bit write at offset " + off);
                        }
                    }
                }
                if (!throwsSomething(() -> f.copyFrom(src, 0, 0, 64))) {
                    written.add("a copy in of 64 bytes");
                }
                if (!throwsSomething(() -> f.copyFrom(src, 0, 0, PAGE))) {
                    written.add("a copy in of the whole frame");
                }
                pipe.source().configureBlocking(false);
                if (!throwsSomething(() -> f.readFrom(pipe.source(), 0, 64))) {
                    written.add("a read from a pipe into the frame");
                }
                try (FileChannel file = tempFile()) {
                    file.write(ByteBuffer.wrap(new byte[PAGE]).put(0, (byte) 0x66), 0);
                    if (!throwsSomething(() -> f.readFrom(file, 0, 0, 64))) {
                        written.add("a read from a file into the frame");
                    }
                }
            } finally {
                pipe.sink().close();
                pipe.source().close();
            }
            assertEquals(List.of(), written, "writes through " + which + " that did not throw");
            assertArrayEquals(frame, frameBytes(a, gfn), "A's frame after refused writes through " + which);
            assertEquals(GrantFlags.READING, a.busy(ref), "the entry of " + which + " shows GTF_reading only");
            assertEquals(OKAY, b.unmap(m.handle(), 0x1000, 0));
            assertEquals(0, a.busy(ref), "no busy bits after the unmap of " + which);
        }
    }
}
