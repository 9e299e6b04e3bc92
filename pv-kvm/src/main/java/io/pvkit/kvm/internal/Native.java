package io.pvkit.kvm.internal;

import io.pvkit.kvm.KvmException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The few libc functions pv-kvm calls, as {@code Linker.nativeLinker()} downcalls with {@code errno}
 * captured right after the call ({@code Linker.Option.captureCallState("errno")}): {@code open},
 * {@code close}, {@code ioctl}, {@code mmap}, {@code munmap}, {@code pthread_self}, {@code pthread_kill},
 * {@code sigaction}. No JNI and no C library of pvkit's own.
 *
 * <p>RESTRICTED: every method here uses restricted FFM methods ({@code Linker.downcallHandle},
 * {@code MemorySegment.reinterpret}); the JVM warns unless started with
 * {@code --enable-native-access=io.pvkit.kvm} (README, "Assumptions"). This is the only class of pv-kvm
 * that calls them.
 */
public final class Native {
    /** {@code O_RDWR}. */
    public static final int O_RDWR = 2;
    /** {@code O_CLOEXEC}. */
    public static final int O_CLOEXEC = 0x80000;
    /** {@code PROT_READ | PROT_WRITE}. */
    public static final int PROT_READ_WRITE = 3;
    /** {@code MAP_SHARED}. */
    public static final int MAP_SHARED = 1;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_HANDLE = CAPTURE.varHandle(groupElement("errno"));
    private static final ThreadLocal<MemorySegment> CAPTURE_SEGMENT =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

    private static final MethodHandle OPEN = handle("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), ERRNO);
    private static final MethodHandle IOCTL_LONG = handle("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IOCTL_PTR = handle("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle MMAP = handle("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), ERRNO);
    private static final MethodHandle MUNMAP = handle("munmap",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), ERRNO);
    private static final MethodHandle PTHREAD_SELF = handle("pthread_self", FunctionDescriptor.of(JAVA_LONG));
    private static final MethodHandle PTHREAD_KILL = handle("pthread_kill",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SIGACTION = handle("sigaction",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), ERRNO);

    private Native() {
    }

    @SuppressWarnings("restricted")
    private static MethodHandle handle(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new KvmException("libc has no " + name));
        // RESTRICTED: a downcall to a libc function whose C prototype matches the descriptor
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    /**
     * The address of a libc function (used as a do-nothing signal handler by {@link VcpuSignal}).
     *
     * @param name the symbol
     * @return its address
     */
    public static MemorySegment libcSymbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new KvmException("libc has no " + name));
    }

    private static int errno(MemorySegment capture) {
        return (int) ERRNO_HANDLE.get(capture, 0L);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    /**
     * {@code open(path, O_RDWR | O_CLOEXEC)}.
     *
     * @param path the file
     * @return the file descriptor
     * @throws KvmException naming the errno when it fails
     */
    public static int open(String path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = CAPTURE_SEGMENT.get();
            int fd = (int) OPEN.invokeExact(capture, arena.allocateFrom(path), O_RDWR | O_CLOEXEC, 0);
            if (fd < 0) {
                throw new KvmException("open " + path, errno(capture));
            }
            return fd;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code close(fd)}; errors are ignored (the descriptor is gone either way on Linux).
     *
     * @param fd the descriptor
     */
    public static void close(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(CAPTURE_SEGMENT.get(), fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code ioctl(fd, request, arg)} with an integer argument.
     *
     * @param fd the descriptor
     * @param request the request number
     * @param arg the argument
     * @return the result when non-negative, or {@code -errno}
     */
    public static int ioctlRaw(int fd, long request, long arg) {
        try {
            MemorySegment capture = CAPTURE_SEGMENT.get();
            int r = (int) IOCTL_LONG.invokeExact(capture, fd, request, arg);
            return r >= 0 ? r : -errno(capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code ioctl(fd, request, arg)} with a pointer argument.
     *
     * @param fd the descriptor
     * @param request the request number
     * @param arg the argument structure (native memory)
     * @return the result when non-negative, or {@code -errno}
     */
    public static int ioctlRaw(int fd, long request, MemorySegment arg) {
        try {
            MemorySegment capture = CAPTURE_SEGMENT.get();
            int r = (int) IOCTL_PTR.invokeExact(capture, fd, request, arg);
            return r >= 0 ? r : -errno(capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code ioctl} with an integer argument that must succeed.
     *
     * @param fd the descriptor
     * @param request the request number
     * @param name the request's C name, for the message
     * @param arg the argument
     * @return the non-negative result
     * @throws KvmException naming the request and errno when it fails
     */
    public static int ioctl(int fd, long request, String name, long arg) {
        int r = ioctlRaw(fd, request, arg);
        if (r < 0) {
            throw new KvmException("ioctl " + name, -r);
        }
        return r;
    }

    /**
     * {@code ioctl} with a pointer argument that must succeed.
     *
     * @param fd the descriptor
     * @param request the request number
     * @param name the request's C name, for the message
     * @param arg the argument structure (native memory)
     * @return the non-negative result
     * @throws KvmException naming the request and errno when it fails
     */
    public static int ioctl(int fd, long request, String name, MemorySegment arg) {
        int r = ioctlRaw(fd, request, arg);
        if (r < 0) {
            throw new KvmException("ioctl " + name, -r);
        }
        return r;
    }

    /**
     * {@code mmap(NULL, size, PROT_READ|PROT_WRITE, MAP_SHARED, fd, 0)}.
     *
     * @param fd the descriptor (a vCPU fd: its {@code kvm_run})
     * @param size the mapping size
     * @return the mapping, {@code size} bytes long; unmap it with {@link #munmap}
     * @throws KvmException when it fails
     */
    @SuppressWarnings("restricted")
    public static MemorySegment mmapShared(int fd, long size) {
        try {
            MemorySegment capture = CAPTURE_SEGMENT.get();
            MemorySegment p = (MemorySegment) MMAP.invokeExact(capture, MemorySegment.NULL, size,
                    PROT_READ_WRITE, MAP_SHARED, fd, 0L);
            if (p.address() == -1L) {
                throw new KvmException("mmap of " + size + " bytes", errno(capture));
            }
            // RESTRICTED: the kernel mapped exactly size bytes at p; the segment lives until munmap
            return p.reinterpret(size);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code munmap(addr, size)}.
     *
     * @param mapping a segment from {@link #mmapShared}; it must not be touched afterwards
     */
    public static void munmap(MemorySegment mapping) {
        try {
            int ignored = (int) MUNMAP.invokeExact(CAPTURE_SEGMENT.get(), mapping, mapping.byteSize());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code pthread_self()} of the calling thread.
     *
     * @return the native thread handle
     */
    public static long pthreadSelf() {
        try {
            return (long) PTHREAD_SELF.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code pthread_kill(thread, sig)}.
     *
     * @param thread a handle from {@link #pthreadSelf} of a thread that is still alive
     * @param signal the signal
     * @return 0 or an error number
     */
    public static int pthreadKill(long thread, int signal) {
        try {
            return (int) PTHREAD_KILL.invokeExact(thread, signal);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code sigaction(signal, act, NULL)}.
     *
     * @param signal the signal
     * @param act a {@code struct sigaction} ({@link SigactionLayout})
     * @throws KvmException when it fails
     */
    public static void sigaction(int signal, MemorySegment act) {
        try {
            MemorySegment capture = CAPTURE_SEGMENT.get();
            int r = (int) SIGACTION.invokeExact(capture, signal, act, MemorySegment.NULL);
            if (r != 0) {
                throw new KvmException("sigaction " + signal, errno(capture));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
