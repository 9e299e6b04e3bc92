package io.pvkit.hypervisor.dom0.block;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length)} through FFM on a second
 * descriptor of the image ({@code open(path, O_RDWR)}): a {@link java.nio.channels.FileChannel} does not
 * expose its descriptor, and a hole punched through any descriptor of the inode is the same hole.
 *
 * <p>Used only when this module has native access ({@code --enable-native-access=io.pvkit.hypervisor}, or
 * {@code ALL-UNNAMED} on the class path); without it {@link #forFile} returns null and discards write zeroes,
 * so the JDK never prints its restricted-method warning. A failing call (a file system without hole
 * punching) also falls back to zeroes.
 */
final class HolePunch implements AutoCloseable {
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;
    private static final int FALLOC_FL_KEEP_SIZE = 1;
    private static final int FALLOC_FL_PUNCH_HOLE = 2;
    private static final Natives NATIVES = Natives.load().orElse(null);

    private final int fd;
    private volatile boolean closed;

    private HolePunch(int fd) {
        this.fd = fd;
    }

    /** The three libc functions, or empty when native access is off or a symbol is missing. */
    private record Natives(MethodHandle open, MethodHandle fallocate, MethodHandle close) {
        @SuppressWarnings("restricted")
        static Optional<Natives> load() {
            if (!HolePunch.class.getModule().isNativeAccessEnabled()) {
                return Optional.empty();
            }
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                // RESTRICTED: downcall handles for open/fallocate/close with their exact C signatures on
                // x86_64/aarch64 Linux (int, const char*, int, ...; int, int, int, off_t, off_t; int, int)
                MethodHandle open = linker.downcallHandle(libc.find("open").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                        Linker.Option.firstVariadicArg(2));
                MethodHandle fallocate = linker.downcallHandle(libc.find("fallocate").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
                MethodHandle close = linker.downcallHandle(libc.find("close").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
                return Optional.of(new Natives(open, fallocate, close));
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        }
    }

    /**
     * Opens a second descriptor for hole punching.
     *
     * @param path the image
     * @return the puncher, or null when native access is off or the file cannot be opened
     */
    static HolePunch forFile(Path path) {
        if (NATIVES == null) {
            return null;
        }
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) NATIVES.open().invokeExact(arena.allocateFrom(path.toString()), O_RDWR | O_CLOEXEC);
            return fd < 0 ? null : new HolePunch(fd);
        } catch (Throwable e) {
            return null;
        }
    }

    /** @return whether the hole was punched (false: the caller zeroes the range instead) */
    boolean punch(long offset, long length) {
        if (closed) {
            return false;
        }
        try {
            int rc = (int) NATIVES.fallocate().invokeExact(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
            return rc == 0;
        } catch (Throwable e) {
            return false;
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            int ignored = (int) NATIVES.close().invokeExact(fd);
        } catch (Throwable e) {
            // nothing more to do: the descriptor is gone either way
        }
    }
}
