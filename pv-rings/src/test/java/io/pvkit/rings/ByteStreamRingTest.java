package io.pvkit.rings;

import io.pvkit.abi.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ByteStreamRingTest {
    private final Arena arena = Arena.ofShared();

    @AfterEach
    void close() {
        arena.close();
    }

    private MemorySegment pageWithIndices(ByteStreamLayout layout, int index) {
        MemorySegment page = arena.allocate(4096, 4096);
        page.set(ValueLayout.JAVA_INT, layout.consOffset(), index);
        page.set(ValueLayout.JAVA_INT, layout.prodOffset(), index);
        return page;
    }

    @Test
    void shouldStraddleWrapAndIndexOverflow() {
        ByteStreamLayout layout = ByteStreamLayout.XENSTORE_REQUEST;
        MemorySegment page = pageWithIndices(layout, 0xFFFFFFF0 - 1000);
        ByteStreamWriter writer = ByteStreamWriter.attach(GuestMemory.wrap(page), layout);
        ByteStreamReader reader = ByteStreamReader.attach(GuestMemory.wrap(page), layout);
        SplittableRandom random = new SplittableRandom(11);
        byte[] all = new byte[20_000];
        random.nextBytes(all);
        byte[] got = new byte[all.length];
        int written = 0;
        int read = 0;
        while (read < all.length) {
            int want = Math.min(all.length - written, 1 + random.nextInt(700));
            written += writer.write(MemorySegment.ofArray(all), written, want);
            read += reader.read(MemorySegment.ofArray(got), read, 1 + random.nextInt(900));
        }
        assertArrayEquals(all, got);
        assertEquals(0xFFFFFFF0 - 1000 + all.length, writer.producerIndex());
        assertEquals(writer.producerIndex(), reader.consumerIndex());
    }

    @Test
    void shouldTreatFullAsFullNotEmpty() {
        ByteStreamLayout layout = ByteStreamLayout.CONSOLE_OUT;
        MemorySegment page = pageWithIndices(layout, 0xFFFFFF00);
        ByteStreamWriter writer = ByteStreamWriter.attach(GuestMemory.wrap(page), layout);
        ByteStreamReader reader = ByteStreamReader.attach(GuestMemory.wrap(page), layout);
        byte[] data = new byte[3000];
        new SplittableRandom(12).nextBytes(data);
        assertEquals(2048, writer.write(MemorySegment.ofArray(data), 0, 3000));
        assertEquals(0, writer.space());
        assertEquals(0, writer.write(MemorySegment.ofArray(data), 0, 1));
        assertEquals(2048, reader.available(), "a full ring holds 2048 bytes, not 0");
        byte[] got = new byte[2048];
        assertEquals(2048, reader.read(MemorySegment.ofArray(got), 0, 4096));
        for (int i = 0; i < 2048; i++) {
            assertEquals(data[i], got[i]);
        }
    }

    @Test
    void shouldBreakOnCorruptIndexDistance() {
        ByteStreamLayout layout = ByteStreamLayout.XENSTORE_RESPONSE;
        MemorySegment page = pageWithIndices(layout, 5);
        ByteStreamReader reader = ByteStreamReader.attach(GuestMemory.wrap(page), layout);
        ByteStreamWriter writer = ByteStreamWriter.attach(GuestMemory.wrap(page), layout);
        page.set(ValueLayout.JAVA_INT, layout.prodOffset(), 5 + 1025);
        byte[] sink = new byte[4096];
        RingBrokenException e = assertThrows(RingBrokenException.class, () -> reader.read(MemorySegment.ofArray(sink), 0, 4096));
        assertEquals(RingFault.STREAM_INDEX_CORRUPT, e.fault());
        assertEquals(RingState.BROKEN, reader.state());
        page.set(ValueLayout.JAVA_INT, layout.consOffset(), 5 - 1025);
        assertThrows(RingBrokenException.class, () -> writer.write(MemorySegment.ofArray(sink), 0, 10));
        assertEquals(RingState.BROKEN, writer.state());
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldStreamBetweenThreadsWithChecksum() throws Exception {
        ByteStreamLayout layout = ByteStreamLayout.vchan("vchan.left", 0, 1024, 10);
        MemorySegment page = pageWithIndices(layout, 0xFFFF0000);
        ByteStreamWriter writer = ByteStreamWriter.attach(GuestMemory.wrap(page), layout);
        ByteStreamReader reader = ByteStreamReader.attach(GuestMemory.wrap(page), layout);
        byte[] all = new byte[1 << 20];
        new SplittableRandom(13).nextBytes(all);
        final long deadline = System.nanoTime() + 60_000_000_000L;
        AtomicReference<Throwable> producerError = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread producer = Thread.ofPlatform().daemon().start(() -> {
            try {
                int written = 0;
                while (written < all.length && !stop.get() && System.nanoTime() - deadline < 0) {
                    int n = writer.write(MemorySegment.ofArray(all), written, Math.min(777, all.length - written));
                    if (n == 0) {
                        Thread.onSpinWait();
                    }
                    written += n;
                }
            } catch (Throwable t) {
                producerError.set(t);
            }
        });
        byte[] got = new byte[all.length];
        int read = 0;
        while (read < all.length && producerError.get() == null && System.nanoTime() - deadline < 0) {
            int n = reader.read(MemorySegment.ofArray(got), read, 513);
            if (n == 0) {
                Thread.onSpinWait();
            }
            read += n;
        }
        stop.set(true);
        producer.join(10_000);
        assertFalse(producer.isAlive(), "the producer thread did not stop");
        // the producer's own failure is the cause; report it rather than a short read
        assertNull(producerError.get(), () -> "the producer failed: " + producerError.get());
        assertEquals(all.length, read, "bytes read before the deadline");
        assertArrayEquals(all, got);
    }

    /** The producer's exception reaches the test: a writer on a corrupt ring fails the stream test loudly. */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldReportTheProducersFailure() throws Exception {
        ByteStreamLayout layout = ByteStreamLayout.XENSTORE_REQUEST;
        MemorySegment page = pageWithIndices(layout, 0);
        page.set(ValueLayout.JAVA_INT, layout.consOffset(), -5000);   // the reader's index is corrupt
        ByteStreamWriter writer = ByteStreamWriter.attach(GuestMemory.wrap(page), layout);
        AtomicReference<Throwable> producerError = new AtomicReference<>();
        Thread producer = Thread.ofPlatform().start(() -> {
            try {
                writer.write(MemorySegment.ofArray(new byte[10]), 0, 10);
            } catch (Throwable t) {
                producerError.set(t);
            }
        });
        producer.join(10_000);
        assertEquals(RingFault.STREAM_INDEX_CORRUPT, ((RingBrokenException) producerError.get()).fault());
    }
}
