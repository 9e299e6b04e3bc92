package io.pvkit.conformance.bytestream;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.hostile.HostileMemory;
import io.pvkit.rings.ByteStreamLayout;
import io.pvkit.rings.ByteStreamReader;
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
 * The conformance verification of a byte-stream <b>reader</b> ({@link ByteStreamReader}): the kit plays a
 * (sometimes hostile) writer by writing the shared page directly, as a C peer using
 * {@code MASK_XENSTORE_IDX} / {@code MASK_XENCONS_IDX} would.
 *
 * <p>Extend it in your test scope and return your reader from {@link #createReader}:
 * {@snippet :
 * class AcmeXenstoreReaderConformanceTest extends ByteStreamReaderVerification {
 *     @Override
 *     protected ByteStreamReader createReader(MemoryAccess memory, ByteStreamLayout layout) {
 *         return AcmeXenbus.responseReader(new AcmeMemoryAdapter(memory), layout);
 *     }
 * }
 * }
 * The memory may be a {@link HostileMemory}; your reader must make every shared-memory access through it.
 */
public abstract class ByteStreamReaderVerification {

    /** The ring most rules use: xenstore's response ring (1024 bytes at 1024, cons @2056, prod @2060). */
    private static final ByteStreamLayout LAYOUT = ByteStreamLayout.XENSTORE_RESPONSE;
    private static final int START = 0x107;
    private static final int NEAR_WRAP = 0xFFFFFFFF - 1500;

    private final ByteStreamPeer peer = new ByteStreamPeer();

    /** For subclasses. */
    protected ByteStreamReaderVerification() {
    }

    /**
     * Attaches your reader to a ring direction whose indices the kit has set (both equal at first),
     * taking the current consumer index as its own. It must not write the shared page.
     *
     * @param memory the shared page (possibly hostile); every shared access must go through it
     * @param layout where the ring lives in the page
     * @return the reader under test
     */
    protected abstract ByteStreamReader createReader(MemoryAccess memory, ByteStreamLayout layout);

    /** Closes the pages of the test. */
    @AfterEach
    public void closePages() {
        peer.close();
    }

    private final class Fixture {
        final MemorySegment page;
        final ByteStreamLayout layout;
        final ByteStreamReader reader;

        Fixture(ByteStreamLayout layout, int start, MemoryAccess view, MemorySegment page) {
            this(layout, layout, start, view, page);
        }

        /** The kit's peer works at {@code wire}'s offsets; the reader under test is given {@code given}. */
        Fixture(ByteStreamLayout wire, ByteStreamLayout given, int start, MemoryAccess view, MemorySegment page) {
            this.page = page;
            this.layout = wire;
            ByteStreamPeer.init(page, wire, start);
            this.reader = createReader(view, given);
        }

        int cons() {
            return ByteStreamPeer.getInt(page, layout.consOffset());
        }

        int prod() {
            return ByteStreamPeer.getInt(page, layout.prodOffset());
        }

        /** Reads into a sentinel-filled buffer; returns the count and leaves the buffer in {@code out}. */
        int read(byte[] out) {
            MemorySegment dst = MemorySegment.ofArray(out);
            return reader.read(dst, 0, out.length);
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

    private static byte[] sentinel(int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) 0x5A);
        return b;
    }

    /**
     * <a href="../../../../../RULES.md#bs-01">BS-01</a> (reader side): on each of xenstore's, the console's and
     * libxenvchan's in-page rings and its largest (order 20) ring (the kit writing at the C headers' offsets, {@code ByteStreamPeer#wires}), the kit streams 6 rings' worth of bytes in random chunks (at most half a ring outstanding) from
     * index 0 and from just below 2^32; the reader reads random amounts.
     *
     * <p>If this fails, check: {@code prod - cons} is computed in 32-bit unsigned arithmetic (not as a difference
     * of longs, not with a signed comparison); the array position is {@code index & (size-1)}; the stored
     * {@code cons} is the free-running index, not masked.
     */
    @Test
    public void required_BS_01_readerIndicesWrapAt2To32() {
        for (ByteStreamPeer.Wire wire : ByteStreamPeer.wires()) {
            ByteStreamLayout layout = wire.wire();
            List<byte[]> runs = new ArrayList<>();
            for (int start : new int[] {0, NEAR_WRAP}) {
                MemorySegment page = peer.newMemory(wire.memoryBytes());
                Fixture f = new Fixture(layout, wire.given(), start, GuestMemory.wrap(page), page);
                assertEquals(wire.given(), f.reader.layout(), "BS-01: layout() must be the layout the reader was "
                        + "attached with");
                SplittableRandom random = new SplittableRandom(layout.size());
                byte[] all = new byte[layout.size() * 6];
                random.nextBytes(all);
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                int sent = 0;
                int idle = 0;
                while (got.size() < all.length) {
                    int outstanding = f.prod() - f.cons();
                    int chunk = Math.min(all.length - sent, random.nextInt(1, layout.size() / 2 + 1) - outstanding);
                    if (chunk > 0) {
                        ByteStreamPeer.publish(f.page, layout, Arrays.copyOfRange(all, sent, sent + chunk));
                        sent += chunk;
                    }
                    byte[] buf = new byte[random.nextInt(1, layout.size() + 1)];
                    int n = f.read(buf);
                    got.write(buf, 0, n);
                    idle = n == 0 ? idle + 1 : 0;
                    if (idle > 100) {
                        fail("BS-01: " + layout.name() + " from " + hex(start) + ": the reader returns 0 with "
                                + (f.prod() - f.cons()) + " bytes published (prod " + hex(f.prod()) + ", cons " + hex(f.cons())
                                + "); bytes read so far: " + got.size());
                    }
                }
                assertArrayEquals(all, got.toByteArray(), "BS-01: " + layout.name() + " from " + hex(start)
                        + ": the bytes read differ from the bytes written");
                int end = start + all.length;
                assertEquals(hex(end), hex(f.cons()), "BS-01: " + layout.name() + ": the shared cons after "
                        + all.length + " bytes from " + hex(start) + " must be the free-running index (never masked)");
                assertEquals(hex(end), hex(f.reader.consumerIndex()), "BS-01: consumerIndex()");
                runs.add(got.toByteArray());
            }
            assertArrayEquals(runs.get(0), runs.get(1), "BS-01: start near 2^32 behaved differently from start 0");
        }
    }

    /**
     * <a href="../../../../../RULES.md#bs-02">BS-02</a>: 10 bytes are published and more are written beyond
     * {@code prod} (a writer still at work); then a full ring ({@code prod - cons == size}).
     *
     * <p>If this fails, check: the count is {@code min(wanted, prod - cons)} with the peer's {@code prod}
     * read once; full is {@code prod - cons == size}, not {@code (prod - cons) & (size-1)} (which is 0 when full).
     */
    @Test
    public void required_BS_02_readerNeverReadsBeyondTheProducer() {
        Fixture f = fixture(LAYOUT, START);
        byte[] published = ByteStreamPeer.bytes(10, 1);
        ByteStreamPeer.publish(f.page, LAYOUT, published);
        ByteStreamPeer.put(f.page, LAYOUT, START + 10, ByteStreamPeer.bytes(50, 2));   // not published yet
        assertEquals(10, f.reader.available(), "BS-02: available() with prod - cons == 10");
        byte[] buf = sentinel(100);
        int n = f.read(buf);
        assertEquals(10, n, "BS-02: 10 bytes were published and 100 asked for; the reader returned " + n);
        assertArrayEquals(published, Arrays.copyOf(buf, 10), "BS-02: the 10 bytes read are not the published ones");
        assertArrayEquals(sentinel(90), Arrays.copyOfRange(buf, 10, 100),
                "BS-02: the reader wrote bytes beyond the 10 it returned into the destination");
        assertEquals(hex(START + 10), hex(f.cons()), "BS-02: the shared cons after reading 10 bytes");
        assertEquals(0, f.read(sentinel(100)), "BS-02: nothing more was published");
        // a full ring is full, not empty
        byte[] full = ByteStreamPeer.bytes(LAYOUT.size(), 3);
        ByteStreamPeer.publish(f.page, LAYOUT, full);
        assertEquals(LAYOUT.size(), f.reader.available(), "BS-02: available() of a full ring (prod - cons == size)");
        byte[] all = new byte[LAYOUT.size() + 16];
        int m = f.read(all);
        assertEquals(LAYOUT.size(), m, "BS-02: a full ring must be read completely (prod - cons == size is full, not empty)");
        assertArrayEquals(full, Arrays.copyOf(all, m), "BS-02: the bytes of the full ring");
    }

    /**
     * <a href="../../../../../RULES.md#bs-04">BS-04</a> (reader side): the writer sets {@code prod} to
     * {@code cons + size + 1}, {@code cons + 2^31} and {@code cons - 1} (behind); and, through hostile memory,
     * a {@code prod} that overflows on its first read only.
     *
     * <p>If this fails, check: {@code (u32)(prod - cons) > size} is checked on the value read, before any
     * byte is copied; a failed check publishes nothing and leaves the reader BROKEN.
     */
    @Test
    public void required_BS_04_readerBreaksOnProducerOverflow() {
        for (int ahead : new int[] {LAYOUT.size() + 1, 0x80000000, -1}) {
            Fixture f = fixture(LAYOUT, START);
            ByteStreamPeer.put(f.page, LAYOUT, START, ByteStreamPeer.bytes(LAYOUT.size(), 4));
            ByteStreamPeer.setInt(f.page, LAYOUT.prodOffset(), START + ahead);
            byte[] buf = sentinel(64);
            String what = "BS-04: prod " + hex(START + ahead) + " with cons " + hex(START) + " and size " + LAYOUT.size();
            ByteStreamPeer.assertBreaks(what, () -> f.read(buf), f.reader::state);
            assertArrayEquals(sentinel(64), buf, what + ": bytes were copied out of an overflowing ring");
            assertEquals(hex(START), hex(f.cons()), what + ": the reader published a consumer index");
        }
        Fixture h = hostile(START, m -> m.script(LAYOUT.prodOffset(), n -> n == 0 ? START + 0x40000000 : START + 16));
        byte[] buf = sentinel(64);
        ByteStreamPeer.assertBreaks("BS-04: prod overflowing on its first read only", () -> h.read(buf), h.reader::state);
        assertArrayEquals(sentinel(64), buf, "BS-04: the reader validated one read of prod and copied by another");
    }

    /**
     * <a href="../../../../../RULES.md#bs-05">BS-05</a> (reader side): after an overflowing {@code prod} broke the
     * reader, the writer restores a valid {@code prod} with 20 bytes.
     *
     * <p>If this fails, check: the broken state is kept (not recomputed from the current indices) and every
     * later call checks it first.
     */
    @Test
    public void required_BS_05_readerBrokenStateIsFinal() {
        Fixture f = fixture(LAYOUT, START);
        assertEquals(RingState.ACTIVE, f.reader.state(), "BS-05: a fresh reader must report ACTIVE before anything broke it");
        assertNull(f.reader.fault(), "BS-05: fault() of a fresh reader must be null (it names why a ring broke)");
        ByteStreamPeer.setInt(f.page, LAYOUT.prodOffset(), START + LAYOUT.size() + 1);
        ByteStreamPeer.assertBreaks("BS-05: prod size + 1 ahead", () -> f.read(sentinel(64)), f.reader::state);
        RingFault fault = f.reader.fault();
        assertNotNull(fault, "BS-05: a broken reader must say why: fault() is null after it broke");
        ByteStreamPeer.setInt(f.page, LAYOUT.prodOffset(), START);
        ByteStreamPeer.publish(f.page, LAYOUT, ByteStreamPeer.bytes(20, 5));
        byte[] before = ByteStreamPeer.snapshot(f.page);
        for (int i = 0; i < 3; i++) {
            byte[] buf = sentinel(64);
            int n = ByteStreamPeer.brokenOr(() -> f.read(buf));
            assertTrue(n <= 0, "BS-05: a broken reader read " + n + " bytes after the peer restored valid indices");
            assertArrayEquals(sentinel(64), buf, "BS-05: a broken reader copied bytes out");
            int avail = ByteStreamPeer.brokenOr(f.reader::available);
            assertTrue(avail <= 0, "BS-05: a broken reader reports " + avail + " bytes available");
            assertEquals(RingState.BROKEN, f.reader.state(), "BS-05: state() after the peer restored valid indices");
            assertEquals(fault, f.reader.fault(), "BS-05: fault() changed after the peer restored valid indices");
        }
        assertArrayEquals(before, ByteStreamPeer.snapshot(f.page), "BS-05: a broken reader wrote to the shared page");
    }

    /**
     * <a href="../../../../../RULES.md#bs-06">BS-06</a> (reader side): 300 bytes straddle the end of the array
     * (two copies); {@code prod} is read through hostile memory that changes it to {@code cons + 1} right
     * after the first read.
     *
     * <p>If this fails, check: {@code prod} is read once per call into a local (with acquire) and both copies
     * and the new {@code cons} are computed from that local.
     */
    @Test
    public void required_BS_06_readerReadsTheProducerOncePerCall() {
        int start = LAYOUT.size() * 8 - 100;
        HostileMemory[] view = new HostileMemory[1];
        Fixture f = hostile(start, m -> view[0] = m.field(LAYOUT.prodOffset(), 4));
        byte[] bytes = ByteStreamPeer.bytes(300, 6);
        ByteStreamPeer.publish(f.page, LAYOUT, bytes);
        view[0].resetReads();
        view[0].afterRead(LAYOUT.prodOffset(), 4, 1, m -> m.setIntRelease(LAYOUT.prodOffset(), start + 1));
        byte[] buf = sentinel(1000);
        int n = ByteStreamPeer.brokenOr(() -> f.read(buf));
        int reads = view[0].reads(LAYOUT.prodOffset());
        assertEquals(1, reads, "BS-06: the reader read prod " + reads + " times in one read() of 300 bytes across "
                + "the end of the array; read it once into a local and validate that copy (a peer can change prod "
                + "between reads: XSA-155)");
        assertEquals(300, n, "BS-06: 300 bytes were published when prod was read");
        assertArrayEquals(bytes, Arrays.copyOf(buf, 300), "BS-06: the bytes read");
    }

    /**
     * <a href="../../../../../RULES.md#bs-07">BS-07</a> (reader side): the data area faults on the reader's copy
     * (the shared {@code cons} must not move); {@code read(..., Notifier)} must notify after {@code cons} is
     * published, and not at all when nothing was read.
     *
     * <p>If this fails, check: copy the bytes out, full fence ({@code xen_mb}), then store {@code cons}; call
     * the notifier after that store and only when bytes were read.
     */
    @Test
    public void required_BS_07_readerPublishesAfterTheCopyAndNotifiesAfterPublishing() {
        Fixture faulty = hostile(START, m -> m.fault(LAYOUT.dataOffset(), LAYOUT.size(), HostileMemory.Access.READ));
        ByteStreamPeer.publish(faulty.page, LAYOUT, ByteStreamPeer.bytes(40, 7));
        try {
            faulty.read(new byte[40]);
        } catch (RuntimeException expected) {
            // a fault (or a broken ring) is fine; publishing cons is not
        }
        assertEquals(hex(START), hex(faulty.cons()), "BS-07: the copy of the data faulted, yet the reader published "
                + "cons (handed back space whose bytes it had not read)");

        Fixture f = fixture(LAYOUT, START);
        List<String> notified = new ArrayList<>();
        assertEquals(0, f.reader.read(MemorySegment.ofArray(new byte[64]), 0, 64,
                () -> notified.add("cons " + hex(f.cons()))), "BS-07: nothing was published");
        assertEquals(List.of(), notified, "BS-07: the reader notified the writer after reading nothing");
        ByteStreamPeer.publish(f.page, LAYOUT, ByteStreamPeer.bytes(30, 8));
        int n = f.reader.read(MemorySegment.ofArray(new byte[64]), 0, 64, () -> notified.add("cons " + hex(f.cons())));
        assertEquals(30, n, "BS-07: 30 bytes were published");
        assertEquals(List.of("cons " + hex(START + 30)), notified, "BS-07: one notification, after cons was published "
                + "(the writer it wakes must see the freed space)");
    }

    /**
     * <a href="../../../../../RULES.md#bs-08">BS-08</a> (SHOULD, reader side): the reader is created over shared memory
     * that holds its ring exactly (it must attach) and over memory one byte short, with the producer index, the
     * consumer index and the data array in turn the last part of the ring (it must refuse).
     *
     * <p>If this fails, check: at creation, {@code dataOffset + size}, {@code prodOffset + 4} and
     * {@code consOffset + 4} are each compared with the memory's size, and a ring that does not fit is refused
     * with {@code IllegalArgumentException} instead of faulting on a later access.
     */
    @Test
    public void optional_BS_08_readerRefusesMemoryThatDoesNotHoldTheRing() {
        for (ByteStreamPeer.Fit c : ByteStreamPeer.fits()) {
            MemorySegment page = peer.newPage();
            ByteStreamPeer.init(page, c.layout(), START);
            String what = "BS-08: a reader for " + c.layout() + " over " + c.bytes() + " bytes of shared memory";
            try {
                ByteStreamReader attached = createReader(ByteStreamPeer.truncated(page, c.bytes()), c.layout());
                assertTrue(c.fits(), what + " was created; the ring does not fit, refuse it with IllegalArgumentException");
                assertEquals(hex(START), hex(attached.consumerIndex()), what + ": consumerIndex() after attaching");
            } catch (IllegalArgumentException refused) {
                assertTrue(!c.fits(), what + " was refused (" + refused.getMessage() + "), but the ring fits exactly");
            }
        }
    }
}
