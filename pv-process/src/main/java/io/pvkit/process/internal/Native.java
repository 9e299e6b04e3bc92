package io.pvkit.process.internal;

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
 * The libc functions pv-process calls, as {@code Linker.nativeLinker()} downcalls with {@code errno}
 * captured right after the call ({@code Linker.Option.captureCallState("errno")}). Every method returns
 * the C result when it is non-negative and {@code -errno} otherwise; callers turn that into an exception
 * or a status. No JNI and no C library of pvkit's own.
 *
 * <p>RESTRICTED: this is the only class of pv-process that calls restricted FFM methods
 * ({@code Linker.downcallHandle}, {@code MemorySegment.reinterpret}); the JVM prints a warning once unless
 * started with {@code --enable-native-access=io.pvkit.process} (README, "Assumptions").
 */
public final class Native {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_HANDLE = CAPTURE.varHandle(groupElement("errno"));
    private static final ThreadLocal<MemorySegment> CAPTURE_SEGMENT =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

    private static final MethodHandle MEMFD_CREATE = handle("memfd_create",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FTRUNCATE = handle("ftruncate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle FCNTL = handle("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle LSEEK = handle("lseek",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MMAP = handle("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = handle("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SOCKET = handle("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = handle("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LISTEN = handle("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACCEPT4 = handle("accept4",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle CONNECT = handle("connect",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDMSG = handle("sendmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVMSG = handle("recvmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SHUTDOWN = handle("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = handle("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SYSCALL_2 = handle("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle POLL = handle("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    private Native() {
    }

    @SuppressWarnings("restricted")
    private static MethodHandle handle(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        Linker.Option[] all = new Linker.Option[options.length + 1];
        all[0] = ERRNO;
        System.arraycopy(options, 0, all, 1, options.length);
        // RESTRICTED: a downcall to a libc function whose C prototype (x86_64 Linux glibc) matches the descriptor
        return LINKER.downcallHandle(symbol, descriptor, all);
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

    private static int result(int r, MemorySegment capture) {
        return r >= 0 ? r : -errno(capture);
    }

    private static long result(long r, MemorySegment capture) {
        return r >= 0 ? r : -errno(capture);
    }

    /**
     * {@code memfd_create(name, flags)}.
     *
     * @param name the name shown in {@code /proc/self/fd} (for debugging only)
     * @param flags {@code MFD_*}
     * @return the descriptor or {@code -errno}
     */
    public static int memfdCreate(String name, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = CAPTURE_SEGMENT.get();
            return result((int) MEMFD_CREATE.invokeExact(capture, arena.allocateFrom(name), flags), capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code ftruncate(fd, length)}.
     *
     * @param fd the descriptor
     * @param length the new size
     * @return 0 or {@code -errno}
     */
    public static int ftruncate(int fd, long length) {
        try {
            MemorySegment capture = CAPTURE_SEGMENT.get();
            return result((int) FTRUNCATE.invokeExact(capture, fd, length), capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code fcntl(fd, cmd, arg)} with an integer argument.
     *
     * @param fd the descriptor
     * @param cmd the command ({@code F_ADD_SEALS}, {@code F_GET_SEALS}, ...)
     * @param arg the argument
     * @return the result or {@code -errno}
     */
    public static int fcntl(int fd, int cmd, int arg) {
        try {
            MemorySegment capture = CAPTURE_SEGMENT.get();
            return result((int) FCNTL.invokeExact(capture, fd, cmd, arg), capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code lseek(fd, 0, SEEK_END)}: the size of a memfd.
     *
     * @param fd the descriptor
     * @return the size or {@code -errno}
     */
    public static long size(int fd) {
        try {
            MemorySegment capture = CAPTURE_SEGMENT.get();
            return result((long) LSEEK.invokeExact(capture, fd, 0L, SysConstants.SEEK_END), capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code mmap(NULL, size, PROT_READ|PROT_WRITE, MAP_SHARED, fd, 0)}, owned by {@code arena}: closing the
     * arena unmaps it (after the arena's handshake, so no thread can touch unmapped memory).
     *
     * @param fd the descriptor
     * @param size the mapping size (the caller checked the object is exactly this long and sealed)
     * @param arena the arena whose close unmaps the mapping
     * @param errnoOut receives the errno on failure
     * @return the mapping ({@code size} bytes), or {@code null} on failure
     */
    @SuppressWarnings("restricted")
    public static MemorySegment mmapShared(int fd, long size, Arena arena, int[] errnoOut) {
        try {
            MemorySegment capture = CAPTURE_SEGMENT.get();
            MemorySegment p = (MemorySegment) MMAP.invokeExact(capture, MemorySegment.NULL, size,
                    SysConstants.PROT_READ | SysConstants.PROT_WRITE, SysConstants.MAP_SHARED, fd, 0L);
            if (p.address() == -1L) {
                errnoOut[0] = errno(capture);
                return null;
            }
            // RESTRICTED: the kernel mapped exactly size bytes at p; the segment lives until the arena closes,
            // whose cleanup unmaps exactly that range
            return p.reinterpret(size, arena, Native::munmap);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static void munmap(MemorySegment mapping) {
        try {
            int ignored = (int) MUNMAP.invokeExact(CAPTURE_SEGMENT.get(), mapping, mapping.byteSize());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code close(fd)}.
     *
     * @param fd the descriptor
     * @return 0 or {@code -errno}
     */
    public static int close(int fd) {
        try {
            MemorySegment capture = CAPTURE_SEGMENT.get();
            return result((int) CLOSE.invokeExact(capture, fd), capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code socket(domain, type, protocol)}.
     *
     * @param domain {@code AF_UNIX}
     * @param type {@code SOCK_STREAM | SOCK_CLOEXEC}
     * @param protocol 0
     * @return the descriptor or {@code -errno}
     */
    public static int socket(int domain, int type, int protocol) {
        try {
            MemorySegment capture = CAPTURE_SEGMENT.get();
            return result((int) SOCKET.invokeExact(capture, domain, type, protocol), capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code bind(fd, addr, len)}.
     *
     * @param fd the socket
     * @param addr a {@code sockaddr_un}
     * @param len its length
     * @return 0 or {@code -errno}
     */
    public static int bind(int fd, MemorySegment addr, int len) {
        try {
            MemorySegment capture = CAPTURE_SEGMENT.get();
            return result((int) BIND.invokeExact(capture, fd, addr, len), capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code listen(fd, backlog)}.
     *
     * @param fd the socket
     * @param backlog the backlog
     * @return 0 or {@code -errno}
     */
    public static int listen(int fd, int backlog) {
        try {
            MemorySegment capture = CAPTURE_SEGMENT.get();
            return result((int) LISTEN.invokeExact(capture, fd, backlog), capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code accept4(fd, NULL, NULL, flags)}.
     *
     * @param fd the listening socket
     * @param flags {@code SOCK_CLOEXEC}
     * @return the connected descriptor or {@code -errno}
     */
    public static int accept4(int fd, int flags) {
        try {
            MemorySegment capture = CAPTURE_SEGMENT.get();
            return result((int) ACCEPT4.invokeExact(capture, fd, MemorySegment.NULL, MemorySegment.NULL, flags),
                    capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code connect(fd, addr, len)}.
     *
     * @param fd the socket
     * @param addr a {@code sockaddr_un}
     * @param len its length
     * @return 0 or {@code -errno}
     */
    public static int connect(int fd, MemorySegment addr, int len) {
        try {
            MemorySegment capture = CAPTURE_SEGMENT.get();
            return result((int) CONNECT.invokeExact(capture, fd, addr, len), capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code sendmsg(fd, msg, flags)}.
     *
     * @param fd the socket
     * @param msg a {@code struct msghdr}
     * @param flags {@code MSG_NOSIGNAL}
     * @return the bytes sent or {@code -errno}
     */
    public static long sendmsg(int fd, MemorySegment msg, int flags) {
        try {
            MemorySegment capture = CAPTURE_SEGMENT.get();
            return result((long) SENDMSG.invokeExact(capture, fd, msg, flags), capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code recvmsg(fd, msg, flags)}.
     *
     * @param fd the socket
     * @param msg a {@code struct msghdr}
     * @param flags {@code MSG_CMSG_CLOEXEC}
     * @return the bytes received (0 at end of stream) or {@code -errno}
     */
    public static long recvmsg(int fd, MemorySegment msg, int flags) {
        try {
            MemorySegment capture = CAPTURE_SEGMENT.get();
            return result((long) RECVMSG.invokeExact(capture, fd, msg, flags), capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code shutdown(fd, how)}: wakes a thread blocked in {@code recvmsg} on the socket.
     *
     * @param fd the socket
     * @param how {@code SHUT_RDWR}
     * @return 0 or {@code -errno}
     */
    public static int shutdown(int fd, int how) {
        try {
            MemorySegment capture = CAPTURE_SEGMENT.get();
            return result((int) SHUTDOWN.invokeExact(capture, fd, how), capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code poll(fds, nfds, timeout)}.
     *
     * @param fds an array of {@code struct pollfd}
     * @param nfds the number of entries
     * @param timeoutMillis the timeout, -1 for none
     * @return the number of ready entries or {@code -errno}
     */
    public static int poll(MemorySegment fds, long nfds, int timeoutMillis) {
        try {
            MemorySegment capture = CAPTURE_SEGMENT.get();
            return result((int) POLL.invokeExact(capture, fds, nfds, timeoutMillis), capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code getsockopt(fd, level, name, value, &length)} with {@code length = value.byteSize()} on entry.
     *
     * @param fd the socket
     * @param level {@code SOL_SOCKET}
     * @param name the option, e.g. {@code SO_PEERCRED}
     * @param value where the option's value goes
     * @return the length the kernel wrote, or {@code -errno}
     */
    public static int getsockopt(int fd, int level, int name, MemorySegment value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = CAPTURE_SEGMENT.get();
            MemorySegment length = arena.allocateFrom(JAVA_INT, (int) value.byteSize());
            int r = result((int) GETSOCKOPT.invokeExact(capture, fd, level, name, value, length), capture);
            return r < 0 ? r : length.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code syscall(SYS_pidfd_open, pid, 0)}: a descriptor for process {@code pid} that polls readable once
     * it has exited.
     *
     * @param pid the process
     * @return the descriptor or {@code -errno} ({@code -ENOSYS} before Linux 5.3, {@code -ESRCH} when gone)
     */
    public static int pidfdOpen(int pid) {
        try {
            MemorySegment capture = CAPTURE_SEGMENT.get();
            return (int) result((long) SYSCALL_2.invokeExact(capture, (long) SysConstants.SYS_pidfd_open, pid, 0),
                    capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
