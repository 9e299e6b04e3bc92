package io.pvkit.rings;

import io.pvkit.rings.spi.SharedMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
        ByteStreamWriter writer = ByteStreamWriter.attach(SharedMemory.of(page), layout);
        ByteStreamReader reader = ByteStreamReader.attach(SharedMemory.of(page), layout);
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
        ByteStreamWriter writer = ByteStreamWriter.attach(SharedMemory.of(page), layout);
        ByteStreamReader reader = ByteStreamReader.attach(SharedMemory.of(page), layout);
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
        ByteStreamReader reader = ByteStreamReader.attach(SharedMemory.of(page), layout);
        ByteStreamWriter writer = ByteStreamWriter.attach(SharedMemory.of(page), layout);
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
    void shouldStreamBetweenThreadsWithChecksum() throws Exception {
        ByteStreamLayout layout = ByteStreamLayout.vchan("vchan.left", 0, 1024, 10);
        MemorySegment page = pageWithIndices(layout, 0xFFFF0000);
        ByteStreamWriter writer = ByteStreamWriter.attach(SharedMemory.of(page), layout);
        ByteStreamReader reader = ByteStreamReader.attach(SharedMemory.of(page), layout);
        byte[] all = new byte[1 << 20];
        new SplittableRandom(13).nextBytes(all);
        Thread producer = Thread.ofPlatform().start(() -> {
            int written = 0;
            while (written < all.length) {
                int n = writer.write(MemorySegment.ofArray(all), written, Math.min(777, all.length - written));
                if (n == 0) {
                    Thread.onSpinWait();
                }
                written += n;
            }
        });
        byte[] got = new byte[all.length];
        int read = 0;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (read < all.length && System.nanoTime() < deadline) {
            int n = reader.read(MemorySegment.ofArray(got), read, 513);
            if (n == 0) {
                Thread.onSpinWait();
            }
            read += n;
        }
        producer.join(10_000);
        assertArrayEquals(all, got);
    }
}
