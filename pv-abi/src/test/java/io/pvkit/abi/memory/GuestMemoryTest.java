package io.pvkit.abi.memory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuestMemoryTest {
    @TempDir
    Path tmp;

    @Test
    void shouldAddressFramesAndGuestPhysicalAddresses() {
        try (GuestMemory mem = GuestMemory.allocate(4)) {
            assertEquals(4, mem.frames());
            assertEquals(4 * 4096, mem.byteSize());
            assertEquals(0x3000, GuestMemory.gpaOf(3));
            assertEquals(3, GuestMemory.gfnOf(0x3FFF));
            mem.frame(2).set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, 8, 0x12345678);
            assertEquals(0x12345678, mem.getInt(0x2008));
            assertEquals(4096, mem.frame(3).byteSize());
            assertEquals(16, mem.slice(0x3FF0, 16).byteSize());
            assertTrue(mem.contains(0, 4 * 4096));
            assertTrue(mem.contains(4 * 4096, 0));
            assertFalse(mem.contains(4 * 4096, 1));
            assertFalse(mem.isFileBacked());
        }
    }

    @Test
    void shouldReadAndWriteLittleEndianValues() {
        try (GuestMemory mem = GuestMemory.allocate(1)) {
            mem.setLong(1, 0x0102030405060708L);
            assertEquals(0x08, mem.getByte(1));
            assertEquals(0x01, mem.getByte(8));
            assertEquals(0x0708, mem.getShort(1));
            assertEquals(0x05060708, mem.getInt(1));
            assertEquals(0x0102030405060708L, mem.getLong(1));
            mem.setShort(100, (short) -2);
            assertEquals((short) -2, mem.getShort(100));
            mem.setByte(4095, (byte) 7);
            assertEquals(7, mem.getByte(4095));
            mem.fill(200, 10, (byte) 0x5A);
            byte[] out = new byte[12];
            mem.read(199, out, 0, 12);
            assertArrayEquals(new byte[] {0, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0}, out);
            mem.write(4090, new byte[] {9, 8, 7, 6, 5, 4}, 0, 6);
            assertEquals(4, mem.getByte(4095));
        }
    }

    @Test
    void shouldPerformAlignedAtomics() {
        try (GuestMemory mem = GuestMemory.allocate(1)) {
            mem.setIntRelease(8, 5);
            assertEquals(5, mem.getIntAcquire(8));
            assertTrue(mem.compareAndSetInt(8, 5, 6));
            assertFalse(mem.compareAndSetInt(8, 5, 7));
            assertEquals(6, mem.compareAndExchangeInt(8, 0, 1));
            assertEquals(6, mem.getAndBitwiseOrInt(8, 0x10));
            assertEquals(0x16, mem.getAndBitwiseAndInt(8, 0x12));
            assertEquals(0x12, mem.getAndAddInt(8, 1));
            assertEquals(0x13, mem.getAndSetInt(8, -1));
            assertEquals(-1, mem.getIntVolatile(8));
            mem.setLongVolatile(16, 1L << 40);
            assertEquals(1L << 40, mem.getLongAcquire(16));
            assertTrue(mem.compareAndSetLong(16, 1L << 40, 3));
            assertEquals(3, mem.getAndBitwiseOrLong(16, 4));
            assertEquals(7, mem.getAndBitwiseAndLong(16, 6));
            assertEquals(6, mem.getAndSetLong(16, 9));
            mem.setLongRelease(16, 10);
            assertEquals(10, mem.getLongVolatile(16));
        }
    }

    @Test
    void shouldUpdateBytesAndShortsWithoutDisturbingNeighbours() {
        try (GuestMemory mem = GuestMemory.allocate(1)) {
            mem.setInt(32, 0x44332211);
            mem.setInt(36, 0x88776655);
            for (int i = 0; i < 4; i++) {
                assertEquals(0x11 * (i + 1), mem.getAndBitwiseOrByte(32 + i, 0x80));
            }
            assertEquals(0xC4B3A291, mem.getInt(32));
            assertEquals(0x88776655, mem.getInt(36), "the next word is untouched");
            assertEquals(0xA2, mem.getAndBitwiseAndByte(33, 0x0F));
            assertEquals(0xC4B30291, mem.getInt(32));
            assertEquals(0x6655, mem.getAndBitwiseOrShort(36, 0x8000));
            assertEquals(0x8877E655, mem.getInt(36));
            assertEquals(0x8877, mem.getAndBitwiseAndShort(38, 0x00FF));
            assertEquals(0x0077E655, mem.getInt(36));
            assertEquals(0xC4B30291, mem.getInt(32), "the previous word is untouched");
            // the last byte of memory works through its containing word
            assertEquals(0, mem.getAndBitwiseOrByte(4095, 1));
            assertEquals(0x01000000, mem.getInt(4092));
        }
    }

    @Test
    void shouldFaultOnOutOfRangeFrames() {
        try (GuestMemory mem = GuestMemory.allocate(2)) {
            assertThrows(GuestMemoryFault.class, () -> mem.frame(2));
            assertThrows(GuestMemoryFault.class, () -> mem.frame(-1));
            assertThrows(GuestMemoryFault.class, () -> mem.frame(Long.MAX_VALUE));
            GuestMemoryFault f = assertThrows(GuestMemoryFault.class, () -> mem.frame(5));
            assertEquals(5 * 4096, f.address());
            assertEquals(4096, f.length());
        }
    }

    @Test
    void shouldFaultOnOutOfRangeAddresses() {
        try (GuestMemory mem = GuestMemory.allocate(1)) {
            assertThrows(GuestMemoryFault.class, () -> mem.getByte(4096));
            assertThrows(GuestMemoryFault.class, () -> mem.getByte(-1));
            assertThrows(GuestMemoryFault.class, () -> mem.getInt(4093));
            assertThrows(GuestMemoryFault.class, () -> mem.setLong(4089, 1));
            assertThrows(GuestMemoryFault.class, () -> mem.getShort(Long.MIN_VALUE));
            assertThrows(GuestMemoryFault.class, () -> mem.slice(4000, 97));
            assertThrows(GuestMemoryFault.class, () -> mem.slice(0, -1));
            assertThrows(GuestMemoryFault.class, () -> mem.fill(4095, 2, (byte) 1));
            assertThrows(GuestMemoryFault.class, () -> mem.read(4090, new byte[16], 0, 16));
            assertThrows(GuestMemoryFault.class, () -> mem.write(-8, new byte[16], 0, 8));
            assertThrows(GuestMemoryFault.class, () -> mem.getAndBitwiseOrByte(4096, 1));
            assertThrows(GuestMemoryFault.class, () -> mem.getAndBitwiseOrByte(-1, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> mem.read(0, new byte[4], 2, 4));
            GuestMemoryFault f = assertThrows(GuestMemoryFault.class, () -> mem.getInt(4094));
            assertTrue(f.getMessage().contains("0xffe"), f.getMessage());
        }
    }

    @Test
    void shouldCopyBetweenGuestMemoryAndSegmentsAndFaultWithoutTouchingAnything() {
        try (GuestMemory mem = GuestMemory.allocate(1); Arena arena = Arena.ofConfined()) {
            MemorySegment priv = arena.allocate(64);
            for (int i = 0; i < 64; i++) {
                priv.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) (i + 1));
            }
            mem.copyIn(priv, 8, 4090 - 50, 50);
            MemorySegment back = arena.allocate(64);
            mem.copyOut(4090 - 50, back, 4, 50);
            assertArrayEquals(priv.asSlice(8, 50).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                    back.asSlice(4, 50).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            assertEquals(0, back.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 3));
            assertEquals(0, back.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 54));
            // out of guest memory: a fault, and neither side is touched
            byte[] before = back.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            assertThrows(GuestMemoryFault.class, () -> mem.copyOut(4090, back, 0, 16));
            assertThrows(GuestMemoryFault.class, () -> mem.copyOut(-1, back, 0, 16));
            assertThrows(GuestMemoryFault.class, () -> mem.copyIn(priv, 0, 4095, 2));
            assertEquals(0, mem.getByte(4095));
            // outside the private segment: checked before guest memory is read or written
            assertThrows(IndexOutOfBoundsException.class, () -> mem.copyOut(0, back, 60, 8));
            assertThrows(IndexOutOfBoundsException.class, () -> mem.copyIn(priv, -1, 0, 8));
            assertThrows(IndexOutOfBoundsException.class, () -> mem.copyIn(priv, 60, 0, 8));
            assertEquals(0, mem.getLong(0));
            assertArrayEquals(before, back.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
    }

    /** The default copyOut/copyIn of MemoryAccess go through read/write once, with the same checks. */
    @Test
    void shouldCopyThroughReadAndWriteInTheDefaultMethods() {
        try (GuestMemory mem = GuestMemory.allocate(1); Arena arena = Arena.ofConfined()) {
            List<String> calls = new java.util.ArrayList<>();
            MemoryAccess plain = (MemoryAccess) java.lang.reflect.Proxy.newProxyInstance(MemoryAccess.class.getClassLoader(),
                    new Class<?>[] {MemoryAccess.class}, (proxy, method, args) -> {
                        calls.add(method.getName());
                        if (method.isDefault()) {
                            return java.lang.reflect.InvocationHandler.invokeDefault(proxy, method, args);
                        }
                        try {
                            return method.invoke(mem, args);
                        } catch (java.lang.reflect.InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            MemorySegment priv = arena.allocate(32);
            priv.fill((byte) 7);
            plain.copyIn(priv, 2, 100, 20);
            assertEquals(List.of("copyIn", "write"), calls);
            assertEquals(0x07070707, mem.getInt(100));
            assertEquals(0, mem.getByte(120));
            calls.clear();
            MemorySegment out = arena.allocate(32);
            plain.copyOut(100, out, 1, 21);
            assertEquals(List.of("copyOut", "read"), calls);
            assertEquals(0, out.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
            assertEquals(7, out.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 20));
            assertEquals(0, out.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 21));
            calls.clear();
            assertThrows(IndexOutOfBoundsException.class, () -> plain.copyOut(0, out, 30, 8));
            assertThrows(GuestMemoryFault.class, () -> plain.copyOut(4095, out, 0, 8));
            assertEquals(List.of("copyOut", "copyOut", "read"), calls, "the segment bounds are checked before read");
        }
    }

    @Test
    void shouldFaultOnOverflowingAddressPlusLength() {
        try (GuestMemory mem = GuestMemory.allocate(1)) {
            assertFalse(mem.contains(Long.MAX_VALUE, 2));
            assertFalse(mem.contains(8, Long.MAX_VALUE));
            assertFalse(mem.contains(-4096, 8192));
            assertThrows(GuestMemoryFault.class, () -> mem.slice(Long.MAX_VALUE - 1, 4));
            assertThrows(GuestMemoryFault.class, () -> mem.slice(4, Long.MAX_VALUE));
            assertThrows(GuestMemoryFault.class, () -> mem.fill(Long.MAX_VALUE, Long.MAX_VALUE, (byte) 0));
            assertThrows(GuestMemoryFault.class, () -> mem.getLong(Long.MAX_VALUE - 3));
        }
    }

    @Test
    void shouldFaultOnMisalignedAtomics() {
        try (GuestMemory mem = GuestMemory.allocate(1)) {
            mem.setInt(0, 0);
            assertThrows(GuestMemoryFault.class, () -> mem.getIntAcquire(2));
            assertThrows(GuestMemoryFault.class, () -> mem.setIntRelease(1, 1));
            assertThrows(GuestMemoryFault.class, () -> mem.compareAndSetInt(3, 0, 1));
            assertThrows(GuestMemoryFault.class, () -> mem.getAndBitwiseOrInt(6, 1));
            assertThrows(GuestMemoryFault.class, () -> mem.getLongAcquire(4));
            assertThrows(GuestMemoryFault.class, () -> mem.compareAndSetLong(12, 0, 1));
            assertThrows(GuestMemoryFault.class, () -> mem.getAndSetLong(1, 1));
            assertThrows(GuestMemoryFault.class, () -> mem.getAndBitwiseOrShort(1, 1));
            assertThrows(GuestMemoryFault.class, () -> mem.getAndBitwiseAndShort(3, 1));
            assertThrows(GuestMemoryFault.class, () -> mem.getLongAcquire(4092), "aligned but out of range");
            assertEquals(0, mem.getInt(0), "a rejected access changes nothing");
        }
    }

    @Test
    void shouldRefuseUseAfterClose() {
        GuestMemory mem = GuestMemory.allocate(1);
        mem.setInt(0, 1);
        mem.close();
        assertThrows(IllegalStateException.class, () -> mem.getInt(0));
        assertThrows(IllegalStateException.class, () -> mem.setIntRelease(0, 2));
        assertThrows(IllegalStateException.class, () -> mem.compareAndSetLong(0, 0, 1));
        assertThrows(IllegalStateException.class, () -> mem.frame(0).get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void shouldRejectBadSizesAndSegments() {
        assertThrows(IllegalArgumentException.class, () -> GuestMemory.allocate(0));
        assertThrows(IllegalArgumentException.class, () -> GuestMemory.allocate(-1));
        assertThrows(IllegalArgumentException.class, () -> GuestMemory.allocate(Long.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> GuestMemory.mapFile(tmp.resolve("x"), 0));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pages = arena.allocate(3 * 4096, 4096);
            assertThrows(IllegalArgumentException.class, () -> GuestMemory.wrap(pages.asSlice(8, 4096)),
                    "not page-aligned");
            assertThrows(IllegalArgumentException.class, () -> GuestMemory.wrap(pages.asSlice(0, 4000)),
                    "not whole pages");
            assertThrows(IllegalArgumentException.class, () -> GuestMemory.wrap(pages.asSlice(0, 0)));
            assertThrows(IllegalArgumentException.class, () -> GuestMemory.wrap(MemorySegment.ofArray(new byte[4096])),
                    "heap segment");
            GuestMemory mem = GuestMemory.wrap(pages.asSlice(4096, 8192));
            mem.setInt(4, 77);
            assertEquals(77, pages.get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, 4096 + 4));
            assertEquals(2, mem.frames());
        }
    }

    @Test
    void shouldShareAFileMappingWithAnotherProcessThatWrites() throws Exception {
        Path file = tmp.resolve("guest.mem");
        try (GuestMemory mem = GuestMemory.mapFile(file, GuestMemoryPeer.FRAMES)) {
            assertTrue(mem.isFileBacked());
            assertEquals(0, mem.getIntAcquire(GuestMemoryPeer.FLAG_GPA));
            runPeer(file, "write");
            // read through the mapping this process held the whole time
            assertEquals(1, mem.getIntAcquire(GuestMemoryPeer.FLAG_GPA));
            assertEquals(0x00008000, mem.getInt(GuestMemoryPeer.FLAG_GPA + 4), "byte atomic in the peer");
            assertEquals(GuestMemoryPeer.LONG_VALUE, mem.getLongAcquire(GuestMemoryPeer.LONG_GPA));
            assertEquals(GuestMemoryPeer.INT_VALUE, mem.getIntVolatile(GuestMemoryPeer.INT_GPA));
            byte[] got = new byte[GuestMemoryPeer.BYTES.length];
            mem.read(GuestMemoryPeer.BYTES_GPA, got, 0, got.length);
            assertArrayEquals(GuestMemoryPeer.BYTES, got, "bytes across a frame boundary");
        }
    }

    @Test
    void shouldShareAFileMappingWithAnotherProcessThatReads() throws Exception {
        Path file = tmp.resolve("guest2.mem");
        try (GuestMemory mem = GuestMemory.mapFile(file, GuestMemoryPeer.FRAMES)) {
            mem.setLongVolatile(GuestMemoryPeer.LONG_GPA, GuestMemoryPeer.LONG_VALUE);
            mem.setInt(GuestMemoryPeer.INT_GPA, GuestMemoryPeer.INT_VALUE);
            mem.write(GuestMemoryPeer.BYTES_GPA, GuestMemoryPeer.BYTES, 0, GuestMemoryPeer.BYTES.length);
            mem.setIntRelease(GuestMemoryPeer.FLAG_GPA, 1);
            mem.force();
            runPeer(file, "verify");
            assertEquals(0x600D, mem.getIntAcquire(GuestMemoryPeer.ANSWER_GPA), "the peer's CAS is visible here");
        }
    }

    private static void runPeer(Path file, String mode) throws IOException, InterruptedException, URISyntaxException {
        String launcher = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = codeSource(GuestMemory.class) + java.io.File.pathSeparator + codeSource(GuestMemoryPeer.class);
        Process p = new ProcessBuilder(List.of(launcher, "-cp", classpath, GuestMemoryPeer.class.getName(),
                file.toString(), mode)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "peer timed out");
        assertEquals(0, p.exitValue(), "peer " + mode + " failed check " + p.exitValue() + ": " + out);
        assertTrue(Files.size(file) >= GuestMemoryPeer.FRAMES * 4096L);
    }

    private static String codeSource(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
