package io.pvkit.conformance.grant;

import io.pvkit.abi.memory.GuestMemory;
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
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Checks shared by the rules on host mappings (GNT-32 .. GNT-36, {@link GrantMappedFrameVerification} and
 * {@link GrantMappedAccessVerification}): every access kind through a {@link MappedFrame}, scalars of every size in
 * little-endian order, and the exception each refused access must throw.
 */
final class MappedFrameChecks {
    static final int PAGE = GuestMemory.PAGE_SIZE;
    static final int[] SIZES = {1, 2, 4, 8};

    private MappedFrameChecks() {
    }

    /** Every access kind through {@code f} throws IllegalStateException (the frame is checked by the caller). */
    static void allAccessesRefused(MappedFrame f, String when) throws IOException {
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
    static FileChannel tempFile() throws IOException {
        Path p = Files.createTempFile("pvkit-kit-mapped-", ".img");
        return FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.DELETE_ON_CLOSE);
    }

    static void dead(List<String> reached, String what, Executable access) {
        expect(IllegalStateException.class, reached, what, access);
    }

    static void refused(List<String> reached, String what, Executable access) {
        expect(IndexOutOfBoundsException.class, reached, what, access);
    }

    static void expect(Class<? extends RuntimeException> type, List<String> reached, String what,
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

    static boolean throwsSomething(Executable access) {
        try {
            access.execute();
            return false;
        } catch (Throwable t) {
            return t instanceof RuntimeException;
        }
    }

    static long mask(int size) {
        return size == 8 ? -1L : (1L << (8 * size)) - 1;
    }

    /** The little-endian value of {@code size} bytes at {@code off} of {@code bytes}, zero-extended. */
    static long le(MemorySegment bytes, long off, int size) {
        long v = 0;
        for (int k = size - 1; k >= 0; k--) {
            v = (v << 8) | (bytes.get(ValueLayout.JAVA_BYTE, off + k) & 0xFF);
        }
        return v;
    }

    /** A read of {@code size} bytes through the frame, zero-extended. */
    static long get(MappedFrame f, long off, int size) {
        return switch (size) {
            case 1 -> f.getByte(off) & 0xFFL;
            case 2 -> f.getShort(off) & 0xFFFFL;
            case 4 -> f.getInt(off) & 0xFFFF_FFFFL;
            default -> f.getLong(off);
        };
    }

    static void set(MappedFrame f, long off, int size, long value) {
        switch (size) {
            case 1 -> f.setByte(off, (byte) value);
            case 2 -> f.setShort(off, (short) value);
            case 4 -> f.setInt(off, (int) value);
            default -> f.setLong(off, value);
        }
    }
}
