package io.pvkit.abi.memory;

import java.nio.file.Path;

/**
 * The second process of {@link GuestMemoryTest}: maps the same file as the test and either writes a
 * known pattern ({@code write}) or checks the pattern the test wrote and answers through the memory
 * ({@code verify}). The exit status is 0 on success; any other value names the check that failed.
 */
public final class GuestMemoryPeer {
    static final long FLAG_GPA = 0;
    static final long LONG_GPA = GuestMemory.gpaOf(1) + 8;
    static final long INT_GPA = GuestMemory.gpaOf(2) + 12;
    static final long BYTES_GPA = GuestMemory.gpaOf(3) - 3;
    static final long ANSWER_GPA = GuestMemory.gpaOf(3) + 64;
    static final long LONG_VALUE = 0x1122_3344_5566_7788L;
    static final int INT_VALUE = 0xCAFE_BABE;
    static final byte[] BYTES = {1, 2, 3, 4, 5, 6, 7};
    static final int FRAMES = 4;

    private GuestMemoryPeer() {
    }

    /**
     * Entry point of the peer process.
     *
     * @param args {@code <file> write|verify}
     */
    public static void main(String[] args) {
        try (GuestMemory mem = GuestMemory.mapFile(Path.of(args[0]), FRAMES)) {
            int status = switch (args[1]) {
                case "write" -> write(mem);
                case "verify" -> verify(mem);
                default -> 99;
            };
            mem.force();
            System.exit(status);
        }
    }

    private static int write(GuestMemory mem) {
        mem.setLongRelease(LONG_GPA, LONG_VALUE);
        mem.setIntVolatile(INT_GPA, INT_VALUE);
        mem.write(BYTES_GPA, BYTES, 0, BYTES.length);
        mem.getAndBitwiseOrByte(FLAG_GPA + 5, 0x80);
        mem.setIntRelease(FLAG_GPA, 1);
        return 0;
    }

    private static int verify(GuestMemory mem) {
        if (mem.getIntAcquire(FLAG_GPA) != 1) {
            return 1;
        }
        if (mem.getLongVolatile(LONG_GPA) != LONG_VALUE) {
            return 2;
        }
        if (mem.getInt(INT_GPA) != INT_VALUE) {
            return 3;
        }
        byte[] got = new byte[BYTES.length];
        mem.read(BYTES_GPA, got, 0, got.length);
        if (!java.util.Arrays.equals(got, BYTES)) {
            return 4;
        }
        if (!mem.compareAndSetInt(ANSWER_GPA, 0, 0x600D)) {
            return 5;
        }
        return 0;
    }
}
