package io.pvkit.guest;

import io.pvkit.abi.console.XenconsInterfaceLayout;
import io.pvkit.rings.ByteStreamLayout;
import io.pvkit.rings.ByteStreamReader;
import io.pvkit.abi.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConsoleFrontendTest {
    private static final int OUT = XenconsInterfaceLayout.OUT_SIZE;
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final Arena arena = Arena.ofShared();
    private final MemorySegment page = arena.allocate(4096, 4096);
    private final AtomicInteger notifications = new AtomicInteger();
    private final AtomicInteger waits = new AtomicInteger();

    @AfterEach
    void close() {
        arena.close();
    }

    private ConsoleFrontend console(long stallNanos) {
        return new ConsoleFrontend(page, notifications::incrementAndGet, () -> {
            waits.incrementAndGet();
            LockSupport.parkNanos(100_000);
        }, stallNanos);
    }

    private int outProd() {
        return page.get(ValueLayout.JAVA_INT, XenconsInterfaceLayout.OUT_PROD_OFFSET);
    }

    private void setOutCons(int value) {
        page.set(ValueLayout.JAVA_INT, XenconsInterfaceLayout.OUT_CONS_OFFSET, value);
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) ('a' + (i + seed) % 26);
        }
        return b;
    }

    @Test
    void shouldPutALineOnTheOutRingAndNotify() {
        ConsoleFrontend console = console(SECOND);
        assertEquals(6, console.println("hello"));
        assertEquals(6, outProd());
        byte[] seen = new byte[6];
        MemorySegment.copy(page, ValueLayout.JAVA_BYTE, XenconsInterfaceLayout.OUT_OFFSET, seen, 0, 6);
        assertArrayEquals("hello\n".getBytes(StandardCharsets.US_ASCII), seen);
        assertEquals(1, notifications.get());
        assertEquals(6, console.bytesWritten());
    }

    @Test
    void shouldWrapAroundTheEndOfTheArrayAndTheU32Index() {
        int start = 0xFFFF_FFF0;                   // slot 2032: 16 bytes before the end of the array
        page.set(ValueLayout.JAVA_INT, XenconsInterfaceLayout.OUT_PROD_OFFSET, start);
        setOutCons(start);
        ConsoleFrontend console = console(SECOND);
        byte[] data = bytes(40, 0);
        assertEquals(40, console.write(data));
        assertEquals(start + 40, outProd());       // 0x18 after the u32 wrap
        byte[] tail = new byte[16];
        byte[] head = new byte[24];
        MemorySegment.copy(page, ValueLayout.JAVA_BYTE, XenconsInterfaceLayout.OUT_OFFSET + OUT - 16, tail, 0, 16);
        MemorySegment.copy(page, ValueLayout.JAVA_BYTE, XenconsInterfaceLayout.OUT_OFFSET, head, 0, 24);
        byte[] joined = new byte[40];
        System.arraycopy(tail, 0, joined, 0, 16);
        System.arraycopy(head, 0, joined, 16, 24);
        assertArrayEquals(data, joined);
    }

    @Test
    void shouldWaitForTheBackendToDrainAFullRingAndKeepTheOrder() throws Exception {
        ConsoleFrontend console = console(10 * SECOND);
        ByteArrayOutputStream drained = new ByteArrayOutputStream();
        AtomicBoolean stop = new AtomicBoolean();
        ByteStreamReader backend = ByteStreamReader.attach(GuestMemory.wrap(page), ByteStreamLayout.CONSOLE_OUT);
        byte[] first = bytes(OUT, 0);
        assertEquals(OUT, console.write(first));   // exactly full, no wait
        assertEquals(0, waits.get());
        Thread drainer = Thread.ofPlatform().start(() -> {
            LockSupport.parkNanos(50_000_000);     // the frontend finds the ring full and waits meanwhile
            MemorySegment buf = MemorySegment.ofArray(new byte[512]);
            while (!stop.get() || backend.available() > 0) {
                int n = backend.read(buf, 0, 512);
                drained.write(buf.toArray(ValueLayout.JAVA_BYTE), 0, n);
                Thread.onSpinWait();
            }
        });
        byte[] second = bytes(3 * OUT + 7, 5);
        assertEquals(second.length, console.write(second));
        stop.set(true);
        drainer.join(10_000);
        assertTrue(waits.get() > 0, "the frontend waited for space");
        assertTrue(notifications.get() >= 5, "each chunk notified the backend: " + notifications.get());
        byte[] expected = new byte[first.length + second.length];
        System.arraycopy(first, 0, expected, 0, first.length);
        System.arraycopy(second, 0, expected, first.length, second.length);
        assertArrayEquals(expected, drained.toByteArray());
        assertEquals(0, console.bytesDropped());
    }

    @Test
    void shouldDropOutputAfterTheStallTimeoutAndNotWaitAgainUntilTheRingDrains() {
        ConsoleFrontend console = console(TimeUnit.MILLISECONDS.toNanos(20));
        assertEquals(OUT, console.write(bytes(OUT, 0)));
        long t0 = System.nanoTime();
        assertEquals(0, console.write(bytes(10, 0)));
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(20));
        int waitsAfterStall = waits.get();
        assertTrue(waitsAfterStall > 0);
        assertEquals(0, console.println("more"));   // stalled: no second timeout
        assertEquals(waitsAfterStall, waits.get());
        assertEquals(15, console.bytesDropped());
        setOutCons(outProd());                       // the backend drains everything at last
        assertEquals(5, console.println("back"));
        assertEquals(OUT + 5, console.bytesWritten());
    }

    @Test
    void shouldBreakOnlyTheConsoleWhenTheBackendCorruptsOutCons() {
        ConsoleFrontend console = console(SECOND);
        console.println("ok");
        setOutCons(outProd() + 5000);                 // cons ahead of prod: distance > size
        assertEquals(0, console.println("lost"));
        assertNotNull(console.brokenBy());
        assertEquals(0, console.println("also lost"));
        assertEquals(5 + 10, console.bytesDropped());
        assertEquals(3, outProd(), "nothing written after the corruption");
        assertFalse(console.flush(SECOND));
    }

    @Test
    void shouldReadInputAndNotifyTheFreedSpace() {
        ConsoleFrontend console = console(SECOND);
        byte[] input = "ls\n".getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(input, 0, page, ValueLayout.JAVA_BYTE, XenconsInterfaceLayout.IN_OFFSET, input.length);
        page.set(ValueLayout.JAVA_INT, XenconsInterfaceLayout.IN_PROD_OFFSET, input.length);
        byte[] dst = new byte[16];
        assertEquals(3, console.read(dst, 0, dst.length));
        assertArrayEquals(input, java.util.Arrays.copyOf(dst, 3));
        assertEquals(3, page.get(ValueLayout.JAVA_INT, XenconsInterfaceLayout.IN_CONS_OFFSET));
        assertEquals(1, notifications.get());
        assertEquals(0, console.read(dst, 0, dst.length));
        assertEquals(1, notifications.get(), "no notification when nothing was read");
        page.set(ValueLayout.JAVA_INT, XenconsInterfaceLayout.IN_PROD_OFFSET, 3 + 2000);   // hostile in_prod
        assertEquals(0, console.read(dst, 0, dst.length));
        assertNull(console.brokenBy(), "a corrupt input ring does not break output");
    }

    @Test
    void shouldFlushWhenTheBackendCatchesUpAndTimeOutOtherwise() {
        ConsoleFrontend console = console(SECOND);
        console.println("bye");
        assertFalse(console.flush(TimeUnit.MILLISECONDS.toNanos(5)));
        setOutCons(outProd());
        assertTrue(console.flush(SECOND));
    }
}
