package io.pvkit.conformance.grant;

import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sixth part of {@link GrantTableVerification} (extend that class, not this one): what a backend in the
 * hypervisor's process reads and writes through a host mapping (GNT-32 .. GNT-36), through the implementation's own
 * accessors ({@link #mappedFrame}): the granter's bytes and little-endian scalars at every offset, the 4096-byte bounds,
 * read-only mappings, the end of the mapping at unmap, at the mapper's teardown and at the granter's death, and an
 * access in flight that keeps the grant pinned until it returns.
 */
public abstract class GrantMappedAccessVerification extends GrantingGuestVerification {
    private static final int PAGE = GuestMemory.PAGE_SIZE;
    private static final int[] SIZES = {1, 2, 4, 8};

    /** For subclasses. */
    protected GrantMappedAccessVerification() {
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
    private MappedFrame frameOf(GrantDomain mapper, int handle) {
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

    // ------------------------------------------------------------------------------------------ GNT-35

    /**
     * Rule {@linkplain GrantRules GNT-35}: an ended mapping reaches nothing. After B's unmap, every access kind through
     * the mapping (and through a frame asked for again before the unmap) throws {@link IllegalStateException} and no
     * write reaches A's frame, also after B mapped another grant, and while later mappings take every maptrack slot in
     * turn (more mappings than {@link #maptrackLimit()}, one after the other, so one reuses the unmapped mapping's slot);
     * the same after the mapper C was destroyed holding a mapping, and after the granter died while B mapped its
     * grant; accessors asked for with the ended mapping's handle (after the unmap, after C's teardown) are none or
     * refuse every access too.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>every accessor checks that the mapping is live, scalar reads too (a read checked before its load only, or
     *       not at all, returns bytes of a page the granter may have reused);</li>
     *   <li>an accessor tells the mapping it was made for from a later mapping of the same handle or maptrack slot
     *       (a generation or epoch, not the slot index);</li>
     *   <li>the mapper's teardown and the granter's death end the mappings they release exactly as unmap does.</li>
     * </ul>
     *
     * @throws IOException from the pipe
     */
    @Test
    public void required_GNT_35_endedMappingReachesNothing() throws IOException {
        a.fillFrame(a.data(0), (byte) 0x42);
        a.grant(FIRST_REF, b.domid(), a.data(0), false);
        GrantDomain.Mapped m = b.map(a.domid(), FIRST_REF, HOST, 0x1000);
        assertEquals(OKAY, m.status(), "map of the grant");
        MappedFrame f = frameOf(b, m.handle());
        MappedFrame again = frameOf(b, m.handle());
        assertEquals(0x42, f.getByte(7), "a read while mapped");
        assertEquals(OKAY, b.unmap(m.handle(), 0x1000, 0));
        byte[] frame = frameBytes(a, a.data(0));
        assertFalse(f.isAlive(), "an unmapped mapping is alive");
        allAccessesRefused(f, "after the unmap");
        allAccessesRefused(again, "after the unmap, through the frame asked for again");
        assertArrayEquals(frame, frameBytes(a, a.data(0)), "A's frame after refused writes through the unmapped mapping");
        staleHandleReachesNothing(b, m.handle(), "after the unmap");

        a.fillFrame(a.data(1), (byte) 0x43);
        a.grant(FIRST_REF + 1, b.domid(), a.data(1), false);
        GrantDomain.Mapped next = b.map(a.domid(), FIRST_REF + 1, HOST, 0x1000);
        assertEquals(OKAY, next.status(), "map of another grant after the unmap");
        byte[] nextFrame = frameBytes(a, a.data(1));
        allAccessesRefused(f, "after the unmap and a new mapping (handle " + next.handle() + ")");
        assertArrayEquals(nextFrame, frameBytes(a, a.data(1)), "the new mapping's frame after refused writes through the "
                + "old mapping");
        assertEquals(OKAY, b.unmap(next.handle(), 0x1000, 0));
        // later mappings take the maptrack's slots one after the other, more of them than it has (declared by
        // maptrackLimit(), GNT-09), so one reuses the unmapped mapping's slot whatever order the free slots are taken
        // in: the old mapping's accessors never come alive again with a later mapping of its slot
        int rounds = Math.min(maptrackLimit() > 0 ? maptrackLimit() + 2 : 258, MAX_TESTED_MAPTRACK + 2);
        List<String> alive = new ArrayList<>();
        for (int round = 0; round < rounds && alive.isEmpty(); round++) {
            GrantDomain.Mapped later = b.map(a.domid(), FIRST_REF + 1, HOST, 0x1000);
            assertEquals(OKAY, later.status(), "map " + round + " of another grant after the unmap");
            String when = " while later mapping " + round + " (handle " + later.handle() + ") is live";
            dead(alive, "a read through the unmapped mapping" + when, () -> f.getByte(0));
            dead(alive, "a read through the unmapped mapping's frame asked for again" + when, () -> again.getByte(0));
            dead(alive, "a write through the unmapped mapping" + when, () -> f.setByte(1, (byte) 0x66));
            assertEquals(OKAY, b.unmap(later.handle(), 0x1000, 0));
        }
        assertEquals(List.of(), alive, "accesses through the unmapped mapping that did not throw IllegalStateException");
        assertArrayEquals(nextFrame, frameBytes(a, a.data(1)), "the later mappings' frame after refused writes through "
                + "the old mapping");

        // the mapper dies holding the mapping
        a.grant(FIRST_REF + 2, c.domid(), a.data(2), false);
        GrantDomain.Mapped held = c.map(a.domid(), FIRST_REF + 2, HOST, 0x2000);
        assertEquals(OKAY, held.status(), "map by C");
        MappedFrame dead = frameOf(c, held.handle());
        hypervisor.destroyDomain(c.dom);
        domains.remove(c.dom);
        byte[] cFrame = frameBytes(a, a.data(2));
        allAccessesRefused(dead, "after the mapper's teardown");
        staleHandleReachesNothing(c, held.handle(), "after the mapper's teardown");
        assertArrayEquals(cFrame, frameBytes(a, a.data(2)), "A's frame after refused writes through the dead mapper's "
                + "mapping");
        assertEquals(0, a.busy(FIRST_REF + 2), "the dead mapper's pin");

        // the granter dies while B maps its grant
        GrantDomain granter = create();
        granter.grant(FIRST_REF, b.domid(), granter.data(0), false);
        GrantDomain.Mapped orphan = b.map(granter.domid(), FIRST_REF, HOST, 0x3000);
        assertEquals(OKAY, orphan.status(), "map of the doomed granter's grant");
        MappedFrame gone = frameOf(b, orphan.handle());
        hypervisor.destroyDomain(granter.dom);
        domains.remove(granter.dom);
        allAccessesRefused(gone, "after the granter's death");
    }

    // ------------------------------------------------------------------------------------------ GNT-36

    /**
     * Rule {@linkplain GrantRules GNT-36}: an access in flight keeps the grant pinned until it returns. A thread (the
     * mapper's) is blocked in a channel transfer through the mapping (a write of the frame to a full pipe, a read from
     * an empty pipe into the frame) while the mapping is unmapped, or the mapper destroyed: the entry keeps GTF_reading
     * (and GTF_writing for a writable mapping) and the granter cannot revoke, until the transfer returned; the transfer
     * completes (a read lands in the granter's frame); once the implementation settled, the entry is idle, the granter
     * can revoke and the mapping refuses accesses.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>a transfer registers itself with the mapping (enters) before it touches the frame and leaves after the
     *       channel returned, and the release that finds it in flight defers dropping the pins instead of dropping
     *       them or failing;</li>
     *   <li>the last transfer to leave (or {@link #settle}) completes the deferred release: pins, busy bits and
     *       handle;</li>
     *   <li>a transfer does not copy through a private buffer and write the frame after the channel returned.</li>
     * </ul>
     *
     * @throws Exception when the pipe or the wait for the I/O fails
     */
    @Test
    public void required_GNT_36_accessInFlightKeepsTheGrantPinned() throws Exception {
        int ref = FIRST_REF;
        for (InFlightAccess.Kind kind : InFlightAccess.Kind.values()) {
            for (boolean readOnly : new boolean[] {false, true}) {
                if (readOnly && kind == InFlightAccess.Kind.READ_FROM_CHANNEL) {
                    continue; // a read into a read-only mapping is refused (GNT-34)
                }
                long gfn = a.data(ref - FIRST_REF);
                a.fillFrame(gfn, (byte) 0x24);
                a.grant(ref, b.domid(), gfn, readOnly);
                int r = ref;
                GrantDomain.Mapped[] m = new GrantDomain.Mapped[1];
                String what = (kind == InFlightAccess.Kind.WRITE_TO_CHANNEL ? "a write of the frame to a pipe"
                        : "a read from a pipe into the frame") + " through a " + (readOnly ? "read-only" : "writable")
                        + " mapping";
                byte[] data = new byte[100];
                java.util.Arrays.fill(data, (byte) 0xC3);
                MappedFrame f;
                try (InFlightAccess io = InFlightAccess.start(kind, 1000, PAGE - 1000, () -> {
                    m[0] = b.map(a.domid(), r, HOST | (readOnly ? RO : 0), 0x1000);
                    return m[0].status() == OKAY ? mappedFrame(hypervisor, b.dom, m[0].handle()) : null;
                })) {
                    assertEquals(OKAY, m[0].status(), "map of the grant");
                    f = io.frame();
                    Assumptions.assumeTrue(f != null, "the implementation has no in-process access to host mappings");
                    int pinned = readOnly ? GrantFlags.READING : BUSY;
                    assertEquals(pinned, a.busy(r), "the busy bits while " + what + " is in flight");
                    assertEquals(OKAY, b.unmap(m[0].handle(), 0x1000, 0), "unmap while " + what + " is in flight");
                    assertEquals(pinned, a.busy(r), "the pin was dropped while " + what + " is still in flight");
                    assertFalse(a.revoke(r), "the granter revoked a page that " + what + " still uses");
                    int moved = io.finish(data);
                    if (kind == InFlightAccess.Kind.READ_FROM_CHANNEL) {
                        assertEquals(data.length, moved, "bytes read into the frame by the transfer in flight");
                        for (int k = 0; k < PAGE; k++) {
                            int want = k >= 1000 && k < 1000 + data.length ? 0xC3 : 0x24;
                            assertEquals((byte) want, a.byteAt(gfn, k), "byte " + k + " of A's frame after " + what
                                    + " completed");
                        }
                    } else {
                        assertTrue(moved > 0, "bytes written by the transfer in flight: " + moved);
                    }
                }
                settle(hypervisor);
                assertEquals(0, a.busy(r), "the pin leaked: the entry is still busy after " + what + " completed");
                MemorySegment one = MemorySegment.ofArray(new byte[1]);
                assertThrows(RuntimeException.class, () -> f.copyTo(0, one, 0, 1), "the mapping is still usable after "
                        + "its unmap and the end of " + what);
                assertTrue(a.revoke(r), "the granter can revoke after " + what + " completed");
                ref++;
            }
        }

        // the mapper dies while a write through its mapping is in flight
        int r = ref;
        a.grant(r, c.domid(), a.data(r - FIRST_REF), false);
        GrantDomain.Mapped[] held = new GrantDomain.Mapped[1];
        try (InFlightAccess io = InFlightAccess.start(InFlightAccess.Kind.WRITE_TO_CHANNEL, 0, PAGE, () -> {
            held[0] = c.map(a.domid(), r, HOST, 0x2000);
            return held[0].status() == OKAY ? mappedFrame(hypervisor, c.dom, held[0].handle()) : null;
        })) {
            assertEquals(OKAY, held[0].status(), "map by C");
            assertNotNull(io.frame(), "the mapped frame of a live host mapping");
            domains.remove(c.dom);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread destroyer = Thread.ofPlatform().daemon().name("pvkit-kit-destroy").start(() -> {
                try {
                    hypervisor.destroyDomain(c.dom);
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            for (int i = 0; i < 50 && destroyer.isAlive(); i++) {
                assertEquals(BUSY, a.busy(r), "the dying mapper's pin was dropped while a write through its mapping "
                        + "is in flight");
                Thread.sleep(2);
            }
            assertEquals(BUSY, a.busy(r), "the dying mapper's pin was dropped while a write through its mapping is in "
                    + "flight");
            io.finish(new byte[0]);
            destroyer.join(Duration.ofSeconds(20));
            assertFalse(destroyer.isAlive(), "destroying the mapper never completed after its write completed");
            assertNull(failure.get(), "destroying the mapper threw");
        }
        settle(hypervisor);
        assertEquals(0, a.busy(r), "the dead mapper's pin leaked");
        assertTrue(a.revoke(r), "the granter can revoke after the dead mapper's write completed");
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** Accessors asked for (twice) with the handle of an ended mapping are none, or refuse every access. */
    private void staleHandleReachesNothing(GrantDomain mapper, int handle, String when) throws IOException {
        for (int ask = 0; ask < 2; ask++) {
            MappedFrame stale = mappedFrame(hypervisor, mapper.dom, handle);
            if (stale != null) {
                allAccessesRefused(stale, when + ", through accessors asked for with the ended mapping's handle");
            }
        }
    }

    /** Every access kind through {@code f} throws IllegalStateException (the frame is checked by the caller). */
    private static void allAccessesRefused(MappedFrame f, String when) throws IOException {
        List<String> reached = new ArrayList<>();
        MemorySegment buf = MemorySegment.ofArray(new byte[PAGE]).fill((byte) 0x99);
        Pipe pipe = Pipe.open();
        try {
            pipe.source().configureBlocking(false);
            pipe.sink().write(ByteBuffer.wrap(new byte[64]).put(0, (byte) 0x99));
            for (int size : SIZES) {
                for (long off : new long[] {0, PAGE - size}) {
                    dead(reached, "a " + (8 * size) + "-bit read at offset " + off, () -> get(f, off, size));
                    dead(reached, "a " + (8 * size) + "-bit write at offset " + off, () -> set(f, off, size, -1L));
                }
            }
            dead(reached, "a copy out", () -> f.copyTo(0, buf, 0, 64));
            dead(reached, "a copy in", () -> f.copyFrom(buf, 0, 0, 64));
            dead(reached, "a write to a pipe", () -> f.writeTo(pipe.sink(), 0, 64));
            dead(reached, "a read from a pipe", () -> f.readFrom(pipe.source(), 0, 64));
            try (FileChannel file = tempFile()) {
                file.write(ByteBuffer.wrap(new byte[PAGE]).put(0, (byte) 0x99), 0);
                dead(reached, "a write to a file", () -> f.writeTo(file, 0, 0, 64));
                dead(reached, "a read from a file", () -> f.readFrom(file, 0, 0, 64));
                assertEquals(PAGE, file.size(), "the file after a refused write to it");
            }
        } finally {
            pipe.sink().close();
            pipe.source().close();
        }
        assertEquals(List.of(), reached, "accesses " + when + " that did not throw IllegalStateException");
    }

    /** A scratch file, deleted when closed. */
    private static FileChannel tempFile() throws IOException {
        Path p = Files.createTempFile("pvkit-kit-mapped-", ".img");
        return FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.DELETE_ON_CLOSE);
    }

    private static void dead(List<String> reached, String what, Executable access) {
        expect(IllegalStateException.class, reached, what, access);
    }

    private static void refused(List<String> reached, String what, Executable access) {
        expect(IndexOutOfBoundsException.class, reached, what, access);
    }

    private static void expect(Class<? extends RuntimeException> type, List<String> reached, String what,
                               Executable access) {
        try {
            access.execute();
            reached.add(what + " (returned)");
        } catch (Throwable t) {
            if (!type.isInstance(t)) {
                reached.add(what + " (threw " + t + ")");
            }
        }
    }

    private static boolean throwsSomething(Executable access) {
        try {
            access.execute();
            return false;
        } catch (Throwable t) {
            return t instanceof RuntimeException;
        }
    }

    private static long mask(int size) {
        return size == 8 ? -1L : (1L << (8 * size)) - 1;
    }

    /** The little-endian value of {@code size} bytes at {@code off} of {@code bytes}, zero-extended. */
    private static long le(MemorySegment bytes, long off, int size) {
        long v = 0;
        for (int k = size - 1; k >= 0; k--) {
            v = (v << 8) | (bytes.get(ValueLayout.JAVA_BYTE, off + k) & 0xFF);
        }
        return v;
    }

    /** A read of {@code size} bytes through the frame, zero-extended. */
    private static long get(MappedFrame f, long off, int size) {
        return switch (size) {
            case 1 -> f.getByte(off) & 0xFFL;
            case 2 -> f.getShort(off) & 0xFFFFL;
            case 4 -> f.getInt(off) & 0xFFFF_FFFFL;
            default -> f.getLong(off);
        };
    }

    private static void set(MappedFrame f, long off, int size, long value) {
        switch (size) {
            case 1 -> f.setByte(off, (byte) value);
            case 2 -> f.setShort(off, (short) value);
            case 4 -> f.setInt(off, (int) value);
            default -> f.setLong(off, value);
        }
    }
}
