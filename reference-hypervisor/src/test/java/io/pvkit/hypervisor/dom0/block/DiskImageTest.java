package io.pvkit.hypervisor.dom0.block;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The image file: both discard methods, sizes, read-only. */
class DiskImageTest {
    @TempDir
    Path dir;

    private Path image(int bytes) throws Exception {
        byte[] b = new byte[bytes];
        new Random(3).nextBytes(b);
        return Files.write(dir.resolve("i" + bytes + "-" + System.nanoTime()), b);
    }

    @Test
    void shouldPunchAHoleWhenNativeAccessIsEnabled() throws Exception {
        // the tests run with --enable-native-access=io.pvkit.hypervisor (see the pom), so the hole is punched
        assertDiscard(true, "punch-hole");
    }

    @Test
    void shouldZeroTheRangeWithoutHolePunching() throws Exception {
        assertDiscard(false, "zero");
    }

    private void assertDiscard(boolean allowPunch, String method) throws Exception {
        Path p = image(1 << 20);
        byte[] before = Files.readAllBytes(p);
        try (DiskImage img = DiskImage.open(p, false, allowPunch)) {
            assertEquals(method, img.discardMethod());
            img.discard(4096 + 512, 3 * 65536 + 1024); // unaligned both ends, more than one zeroing chunk
        }
        byte[] expected = before.clone();
        Arrays.fill(expected, 4096 + 512, 4096 + 512 + 3 * 65536 + 1024, (byte) 0);
        assertArrayEquals(expected, Files.readAllBytes(p));
        assertEquals(1 << 20, Files.size(p));
    }

    @Test
    void shouldExposeWholeSectorsOnlyAndRefuseWritesWhenReadOnly() throws Exception {
        Path p = image(4096 + 100);
        try (DiskImage img = DiskImage.open(p, true)) {
            assertEquals(8, img.sectors());
            assertThrows(java.nio.channels.NonWritableChannelException.class, () -> img.write(ByteBuffer.allocate(512), 0));
        }
        assertThrows(java.io.IOException.class, () -> DiskImage.open(dir, false), "a directory is no image");
    }
}
