package io.pvkit.conformance.bytestream;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.hostile.HostileMemory;
import io.pvkit.rings.ByteStreamLayout;
import io.pvkit.rings.ByteStreamWriter;
import io.pvkit.rings.RingFault;
import io.pvkit.rings.RingState;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.pvkit.conformance.bytestream.ByteStreamPeer.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The conformance verification of a byte-stream <b>writer</b> ({@link ByteStreamWriter}): the kit plays a
 * (sometimes hostile) reader by writing the shared page directly, as a C peer using
 * {@code MASK_XENSTORE_IDX} / {@code MASK_XENCONS_IDX} would.
 *
 * <p>Extend it in your test scope and return your writer from {@link #createWriter}:
 * {@snippet :
 * class AcmeConsoleWriterConformanceTest extends ByteStreamWriterVerification {
 *     @Override
 *     protected ByteStreamWriter createWriter(MemoryAccess memory, ByteStreamLayout layout) {
 *         return AcmeConsole.outputWriter(new AcmeMemoryAdapter(memory), layout);
 *     }
 * }
 * }
 * The memory may be a {@link HostileMemory}; your writer must make every shared-memory access through it.
 */
public abstract class ByteStreamWriterVerification {

    /** The ring most rules use: xenstore's request ring (1024 bytes at 0, cons @2048, prod @2052). */
    private static final ByteStreamLayout LAYOUT = ByteStreamLayout.XENSTORE_REQUEST;
    private static final int START = 0x107;
    private static final int NEAR_WRAP = 0xFFFFFFFF - 1500;

    private final ByteStreamPeer peer = new ByteStreamPeer();

    /** For subclasses. */
    protected ByteStreamWriterVerification() {
    }

    /**
     * Attaches your writer to a ring direction whose indices the kit has set (both equal at first), taking
     * the current producer index as its own. It must not write the shared page.
     *
     * @param memory the shared page (possibly hostile); every shared access must go through it
     * @param layout where the ring lives in the page
     * @return the writer under test
     */
    protected abstract ByteStreamWriter createWriter(MemoryAccess memory, ByteStreamLayout layout);

    /** Closes the pages of the test. */
    @AfterEach
    public void closePages() {
        peer.close();
    }

    private final class Fixture {
        final MemorySegment page;
        final ByteStreamLayout layout;
        final ByteStreamWriter writer;

        Fixture(ByteStreamLayout layout, int start, MemoryAccess view, MemorySegment page) {
            this(layout, layout, start, view, page);
        }

        /** The kit's peer works at {@code wire}'s offsets; the writer under test is given {@code given}. */
        Fixture(ByteStreamLayout wire, ByteStreamLayout given, int start, MemoryAccess view, MemorySegment page) {
            this.page = page;
            this.layout = wire;
            ByteStreamPeer.init(page, wire, start);
            this.writer = createWriter(view, given);
        }

        int cons() {
            return ByteStreamPeer.getInt(page, layout.consOffset());
        }

        int prod() {
            return ByteStreamPeer.getInt(page, layout.prodOffset());
        }

        int write(byte[] bytes) {
            return writer.write(MemorySegment.ofArray(bytes), 0, bytes.length);
        }
    }

    private Fixture fixture(ByteStreamLayout layout, int start) {
        MemorySegment page = peer.newPage();
        return new Fixture(layout, start, GuestMemory.wrap(page), page);
    }

    private Fixture hostile(int start, java.util.function.Consumer<HostileMemory> setup) {
        MemorySegment page = peer.newPage();
        HostileMemory hostile = new HostileMemory(page);
        setup.accept(hostile);
        return new Fixture(LAYOUT, start, hostile, page);
    }

    /**
     * <a href="../../../../../RULES.md#bs-01">BS-01</a> (writer side): on each of xenstore's, the console's and
     * libxenvchan's in-page rings and its largest (order 20) ring (the kit reading at the C headers' offsets, {@code ByteStreamPeer#wires}), the writer streams 6 rings' worth of bytes in random chunks from index 0 and from just below 2^32
     * while the kit consumes random, smaller amounts (the ring is mostly full when the indices cross 2^32).
     *
     * <p>If this fails, check: {@code prod - cons} is computed in 32-bit unsigned arithmetic (not as a difference
     * of longs, not with a signed comparison); the array position is {@code index & (size-1)}; the stored
     * {@code prod} is the free-running index, not masked.
     */
    @Test
    public void required_BS_01_writerIndicesWrapAt2To32() {
        for (ByteStreamPeer.Wire wire : ByteStreamPeer.wires()) {
            ByteStreamLayout layout = wire.wire();
            List<byte[]> runs = new ArrayList<>();
            for (int start : new int[] {0, NEAR_WRAP}) {
                MemorySegment page = peer.newMemory(wire.memoryBytes());
                Fixture f = new Fixture(layout, wire.given(), start, GuestMemory.wrap(page), page);
                assertEquals(wire.given(), f.writer.layout(), "BS-01: layout() must be the layout the writer was "
                        + "attached with");
                SplittableRandom random = new SplittableRandom(layout.size());
                byte[] all = new byte[layout.size() * 6];
                random.nextBytes(all);
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                int sent = 0;
                int idle = 0;
                while (got.size() < all.length) {
                    int chunk = Math.min(all.length - sent, random.nextInt(1, layout.size() + 1));
                    int n = chunk == 0 ? 0 : f.writer.write(MemorySegment.ofArray(all), sent, chunk);
                    sent += n;
                    // the kit consumes less than the writer offers: the ring is mostly full when prod crosses 2^32
                    byte[] taken = ByteStreamPeer.consume(f.page, layout, random.nextInt(1, layout.size() / 2 + 1));
                    got.write(taken, 0, taken.length);
                    idle = n == 0 && taken.length == 0 ? idle + 1 : 0;
                    if (idle > 100) {
                        fail("BS-01: " + layout.name() + " from " + hex(start) + ": the writer writes nothing into an "
                                + "empty ring (prod " + hex(f.prod()) + ", cons " + hex(f.cons()) + "); bytes moved so far: "
                                + got.size());
                    }
                }
                assertArrayEquals(all, got.toByteArray(), "BS-01: " + layout.name() + " from " + hex(start)
                        + ": the bytes the kit read differ from the bytes written");
                int end = start + all.length;
                assertEquals(hex(end), hex(f.prod()), "BS-01: " + layout.name() + ": the shared prod after "
                        + all.length + " bytes from " + hex(start) + " must be the free-running index (never masked)");
                assertEquals(hex(end), hex(f.writer.producerIndex()), "BS-01: producerIndex()");
                runs.add(got.toByteArray());
            }
            assertArrayEquals(runs.get(0), runs.get(1), "BS-01: start near 2^32 behaved differently from start 0");
        }
    }

    /**
     * <a href="../../../../../RULES.md#bs-03">BS-03</a>: with three quarters of the ring unconsumed the writer is
     * asked for a whole ring, then for more on a full ring, then the kit consumes 10 bytes.
     *
     * <p>If this fails, check: the count is {@code min(wanted, size - (prod - cons))} with the peer's {@code cons}
     * read once; full is {@code prod - cons == size}, not {@code (prod - cons) & (size-1)} (which is 0 when full).
     */
    @Test
    public void required_BS_03_writerNeverOverwritesUnconsumedBytes() {
        Fixture f = fixture(LAYOUT, START);
        int size = LAYOUT.size();
        byte[] first = ByteStreamPeer.bytes(size * 3 / 4, 1);
        assertEquals(size, f.writer.space(), "BS-03: space() of an empty ring");
        assertEquals(first.length, f.write(first), "BS-03: an empty ring takes " + first.length + " bytes");
        assertEquals(size / 4, f.writer.space(), "BS-03: space() with " + first.length + " bytes unconsumed");
        byte[] second = ByteStreamPeer.bytes(size, 2);
        int n = f.write(second);
        assertEquals(size / 4, n, "BS-03: with " + first.length + " bytes unconsumed in a ring of " + size
                + " the writer may write " + size / 4 + " bytes; it wrote " + n);
        assertArrayEquals(first, ByteStreamPeer.get(f.page, LAYOUT, START, first.length),
                "BS-03: the writer overwrote bytes the reader had not consumed");
        assertEquals(0, f.writer.space(), "BS-03: space() of a full ring (prod - cons == size)");
        byte[] before = ByteStreamPeer.snapshot(f.page);
        assertEquals(0, f.write(ByteStreamPeer.bytes(8, 3)), "BS-03: a full ring accepts nothing");
        assertArrayEquals(before, ByteStreamPeer.snapshot(f.page), "BS-03: a write to a full ring changed the page");
        byte[] taken = ByteStreamPeer.consume(f.page, LAYOUT, 10);
        assertArrayEquals(Arrays.copyOf(first, 10), taken, "BS-03: the first bytes of the ring");
        assertEquals(10, f.writer.space(), "BS-03: space() after the reader consumed 10 bytes of a full ring");
        assertEquals(10, f.write(ByteStreamPeer.bytes(20, 4)), "BS-03: 10 bytes were freed; the writer may write 10");
        assertArrayEquals(Arrays.copyOfRange(first, 10, first.length),
                ByteStreamPeer.get(f.page, LAYOUT, START + 10, first.length - 10),
                "BS-03: the writer overwrote bytes the reader had not consumed");
    }

    /**
     * <a href="../../../../../RULES.md#bs-04">BS-04</a> (writer side): the reader sets {@code cons} to
     * {@code prod + 1} (ahead of the producer), {@code prod - size - 1} and {@code prod + 2^31}; and, through
     * hostile memory, a {@code cons} that is corrupt on its first read only.
     *
     * <p>If this fails, check: {@code (u32)(prod - cons) > size} is checked on the value read, before any
     * byte is written; a failed check publishes nothing and leaves the writer BROKEN.
     */
    @Test
    public void required_BS_04_writerBreaksOnConsumerOverflow() {
        for (int behind : new int[] {-1, LAYOUT.size() + 1, 0x80000000}) {
            Fixture f = fixture(LAYOUT, START);
            ByteStreamPeer.setInt(f.page, LAYOUT.consOffset(), START - behind);
            byte[] before = ByteStreamPeer.snapshot(f.page);
            String what = "BS-04: cons " + hex(START - behind) + " with prod " + hex(START) + " and size " + LAYOUT.size();
            ByteStreamPeer.assertBreaks(what, () -> f.write(ByteStreamPeer.bytes(64, 5)), f.writer::state);
            assertArrayEquals(before, ByteStreamPeer.snapshot(f.page), what + ": the writer wrote to the shared page");
        }
        Fixture h = hostile(START, m -> m.script(LAYOUT.consOffset(), n -> n == 0 ? START + 1 : START));
        byte[] before = ByteStreamPeer.snapshot(h.page);
        ByteStreamPeer.assertBreaks("BS-04: cons ahead of prod on its first read only",
                () -> h.write(ByteStreamPeer.bytes(64, 6)), h.writer::state);
        assertArrayEquals(before, ByteStreamPeer.snapshot(h.page),
                "BS-04: the writer validated one read of cons and wrote by another");
    }

    /**
     * <a href="../../../../../RULES.md#bs-05">BS-05</a> (writer side): after a corrupt {@code cons} broke the
     * writer, the reader restores a valid {@code cons}.
     *
     * <p>If this fails, check: the broken state is kept (not recomputed from the current indices) and every
     * later call checks it first.
     */
    @Test
    public void required_BS_05_writerBrokenStateIsFinal() {
        Fixture f = fixture(LAYOUT, START);
        assertEquals(RingState.ACTIVE, f.writer.state(), "BS-05: a fresh writer must report ACTIVE before anything broke it");
        assertNull(f.writer.fault(), "BS-05: fault() of a fresh writer must be null (it names why a ring broke)");
        ByteStreamPeer.setInt(f.page, LAYOUT.consOffset(), START + 1);
        ByteStreamPeer.assertBreaks("BS-05: cons ahead of prod", () -> f.write(ByteStreamPeer.bytes(64, 7)), f.writer::state);
        RingFault fault = f.writer.fault();
        assertNotNull(fault, "BS-05: a broken writer must say why: fault() is null after it broke");
        ByteStreamPeer.setInt(f.page, LAYOUT.consOffset(), START);
        byte[] before = ByteStreamPeer.snapshot(f.page);
        for (int i = 0; i < 3; i++) {
            int n = ByteStreamPeer.brokenOr(() -> f.write(ByteStreamPeer.bytes(64, 8)));
            assertTrue(n <= 0, "BS-05: a broken writer wrote " + n + " bytes after the peer restored valid indices");
            int space = ByteStreamPeer.brokenOr(f.writer::space);
            assertTrue(space <= 0, "BS-05: a broken writer reports " + space + " bytes of space");
            assertEquals(RingState.BROKEN, f.writer.state(), "BS-05: state() after the peer restored valid indices");
            assertEquals(fault, f.writer.fault(), "BS-05: fault() changed after the peer restored valid indices");
        }
        assertArrayEquals(before, ByteStreamPeer.snapshot(f.page), "BS-05: a broken writer wrote to the shared page");
    }

    /**
     * <a href="../../../../../RULES.md#bs-06">BS-06</a> (writer side): 300 bytes straddle the end of the array
     * (two copies); {@code cons} is read through hostile memory that moves it to {@code prod + 1} right after
     * the first read.
     *
     * <p>If this fails, check: {@code cons} is read once per call into a local (with acquire) and the space,
     * both copies and the new {@code prod} are computed from that local.
     */
    @Test
    public void required_BS_06_writerReadsTheConsumerOncePerCall() {
        int start = LAYOUT.size() * 8 - 100;
        HostileMemory[] view = new HostileMemory[1];
        Fixture f = hostile(start, m -> view[0] = m.field(LAYOUT.consOffset(), 4));
        view[0].resetReads();
        view[0].afterRead(LAYOUT.consOffset(), 4, 1, m -> m.setIntRelease(LAYOUT.consOffset(), start + 1));
        byte[] bytes = ByteStreamPeer.bytes(300, 9);
        int n = ByteStreamPeer.brokenOr(() -> f.write(bytes));
        int reads = view[0].reads(LAYOUT.consOffset());
        assertEquals(1, reads, "BS-06: the writer read cons " + reads + " times in one write() of 300 bytes across "
                + "the end of the array; read it once into a local and validate that copy (a peer can change cons "
                + "between reads: XSA-155)");
        assertEquals(300, n, "BS-06: the ring was empty when cons was read");
        assertArrayEquals(bytes, ByteStreamPeer.get(f.page, LAYOUT, start, 300), "BS-06: the bytes written");
    }

    /**
     * <a href="../../../../../RULES.md#bs-07">BS-07</a> (writer side): the data area faults on the writer's copy
     * (the shared {@code prod} must not move); {@code write(..., Notifier)} must notify after {@code prod} and the
     * bytes are in shared memory, and not at all when nothing was written (full ring).
     *
     * <p>If this fails, check: copy the bytes in, then store {@code prod} with release ({@code xen_wmb}); call
     * the notifier after that store and only when bytes were written.
     */
    @Test
    public void required_BS_07_writerPublishesAfterTheCopyAndNotifiesAfterPublishing() {
        Fixture faulty = hostile(START, m -> m.fault(LAYOUT.dataOffset(), LAYOUT.size(), HostileMemory.Access.WRITE));
        try {
            faulty.write(ByteStreamPeer.bytes(40, 10));
        } catch (RuntimeException expected) {
            // a fault (or a broken ring) is fine; publishing prod is not
        }
        assertEquals(hex(START), hex(faulty.prod()), "BS-07: the copy of the data faulted, yet the writer published "
                + "prod (the reader would consume bytes that were never written)");

        Fixture f = fixture(LAYOUT, START);
        byte[] bytes = ByteStreamPeer.bytes(30, 11);
        List<String> notified = new ArrayList<>();
        Runnable record = () -> notified.add("prod " + hex(f.prod()) + (Arrays.equals(bytes,
                ByteStreamPeer.get(f.page, LAYOUT, START, 30)) ? " with the bytes" : " without the bytes"));
        int n = f.writer.write(MemorySegment.ofArray(bytes), 0, 30, record::run);
        assertEquals(30, n, "BS-07: an empty ring takes 30 bytes");
        assertEquals(List.of("prod " + hex(START + 30) + " with the bytes"), notified, "BS-07: one notification, after "
                + "the bytes and prod were published (the reader it wakes must find them)");
        notified.clear();
        f.write(ByteStreamPeer.bytes(LAYOUT.size() - 30, 12));
        assertEquals(0, f.writer.write(MemorySegment.ofArray(bytes), 0, 30, record::run), "BS-07: the ring is full");
        assertEquals(List.of(), notified, "BS-07: the writer notified the reader after writing nothing");
    }

    /**
     * <a href="../../../../../RULES.md#bs-08">BS-08</a> (SHOULD, writer side): the writer is created over shared memory
     * that holds its ring exactly (it must attach) and over memory one byte short, with the producer index, the
     * consumer index and the data array in turn the last part of the ring (it must refuse).
     *
     * <p>If this fails, check: at creation, {@code dataOffset + size}, {@code prodOffset + 4} and
     * {@code consOffset + 4} are each compared with the memory's size, and a ring that does not fit is refused
     * with {@code IllegalArgumentException} instead of faulting on a later access.
     */
    @Test
    public void optional_BS_08_writerRefusesMemoryThatDoesNotHoldTheRing() {
        for (ByteStreamPeer.Fit c : ByteStreamPeer.fits()) {
            MemorySegment page = peer.newPage();
            ByteStreamPeer.init(page, c.layout(), START);
            String what = "BS-08: a writer for " + c.layout() + " over " + c.bytes() + " bytes of shared memory";
            try {
                ByteStreamWriter attached = createWriter(ByteStreamPeer.truncated(page, c.bytes()), c.layout());
                assertTrue(c.fits(), what + " was created; the ring does not fit, refuse it with IllegalArgumentException");
                assertEquals(hex(START), hex(attached.producerIndex()), what + ": producerIndex() after attaching");
            } catch (IllegalArgumentException refused) {
                assertTrue(!c.fits(), what + " was refused (" + refused.getMessage() + "), but the ring fits exactly");
            }
        }
    }
}
