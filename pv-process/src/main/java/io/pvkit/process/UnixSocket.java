package io.pvkit.process;

import io.pvkit.process.internal.Native;
import io.pvkit.process.internal.SysConstants;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A Unix domain stream socket that can pass file descriptors ({@code SCM_RIGHTS}), through
 * {@code socket}/{@code bind}/{@code accept4}/{@code connect}/{@code sendmsg}/{@code recvmsg} downcalls.
 * Java's own {@code UnixDomainSocketAddress} channels cannot pass descriptors, which is why this exists.
 *
 * <p>Descriptors are created close-on-exec ({@code SOCK_CLOEXEC}, {@code MSG_CMSG_CLOEXEC}). Sending never
 * raises {@code SIGPIPE} ({@code MSG_NOSIGNAL}): a vanished peer is an {@code EPIPE} {@link NativeException}.
 *
 * <p>Trust: descriptors received from the peer are counted against the caller's {@code maxFds}; when the
 * peer sends more (the kernel truncates the control data, {@code MSG_CTRUNC}) or sends some where none were
 * expected, every received descriptor is closed and the receive fails, so a hostile peer cannot fill this
 * process's descriptor table.
 *
 * <p>Threading: one thread sends and one thread receives at a time. {@link #shutdown()} may be called from
 * any thread and wakes a thread blocked in {@link #receive} (it then sees end of stream) or in
 * {@link #accept()} (it then throws); {@link #close()} must come after those threads have returned.
 */
public final class UnixSocket implements AutoCloseable {
    /** The most descriptors one {@link #send} or {@link #receive} carries. */
    public static final int MAX_FDS = 16;

    private final int fd;
    private final AtomicBoolean closed = new AtomicBoolean();

    private UnixSocket(int fd) {
        this.fd = fd;
    }

    /**
     * Creates a socket bound to {@code path} and listening (backlog 16). The path must not exist.
     *
     * @param path the socket file, at most {@value SockaddrUnLayout#MAX_PATH_BYTES} bytes in UTF-8
     * @return the listening socket
     * @throws NativeException when {@code bind} or {@code listen} fails (for example {@code EADDRINUSE} 98)
     * @throws IllegalArgumentException when the path is too long
     */
    public static UnixSocket listen(Path path) {
        int s = newSocket();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = address(arena, path);
            check("bind " + path, Native.bind(s, addr, (int) SockaddrUnLayout.SIZE));
            check("listen", Native.listen(s, 16));
            return new UnixSocket(s);
        } catch (RuntimeException e) {
            Native.close(s);
            throw e;
        }
    }

    /**
     * Connects to a listening socket at {@code path}.
     *
     * @param path the socket file
     * @return the connected socket
     * @throws NativeException when {@code connect} fails (for example {@code ENOENT} 2, {@code ECONNREFUSED} 111)
     */
    public static UnixSocket connect(Path path) {
        int s = newSocket();
        try (Arena arena = Arena.ofConfined()) {
            check("connect " + path, Native.connect(s, address(arena, path), (int) SockaddrUnLayout.SIZE));
            return new UnixSocket(s);
        } catch (RuntimeException e) {
            Native.close(s);
            throw e;
        }
    }

    /**
     * Waits for and accepts one connection on a listening socket.
     *
     * @return the connected socket
     * @throws NativeException when {@code accept4} fails, for example {@code EINVAL} (22) after {@link #shutdown()}
     */
    public UnixSocket accept() {
        while (true) {
            int c = Native.accept4(fd, SysConstants.SOCK_CLOEXEC);
            if (c >= 0) {
                return new UnixSocket(c);
            }
            if (-c != SysConstants.EINTR) {
                throw new NativeException("accept4", -c);
            }
        }
    }

    private static int newSocket() {
        int s = Native.socket(SysConstants.AF_UNIX, SysConstants.SOCK_STREAM | SysConstants.SOCK_CLOEXEC, 0);
        check("socket", s);
        return s;
    }

    private static MemorySegment address(Arena arena, Path path) {
        byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0 || bytes.length > SockaddrUnLayout.MAX_PATH_BYTES) {
            throw new IllegalArgumentException("socket path must be 1.." + SockaddrUnLayout.MAX_PATH_BYTES
                    + " bytes: " + path);
        }
        MemorySegment addr = arena.allocate(SockaddrUnLayout.LAYOUT);
        addr.set(ValueLayout.JAVA_SHORT, SockaddrUnLayout.SUN_FAMILY_OFFSET, (short) SysConstants.AF_UNIX);
        MemorySegment.copy(bytes, 0, addr, ValueLayout.JAVA_BYTE, SockaddrUnLayout.SUN_PATH_OFFSET, bytes.length);
        return addr;
    }

    private static int check(String call, int r) {
        if (r < 0) {
            throw new NativeException(call, -r);
        }
        return r;
    }

    /**
     * Sends all of {@code data}, with {@code fds} attached to its first byte (one {@code SCM_RIGHTS} message).
     * The descriptors stay open in this process.
     *
     * @param data the bytes, at least one when {@code fds} is not empty
     * @param fds descriptors to pass, at most {@value #MAX_FDS}
     * @throws NativeException when {@code sendmsg} fails ({@code EPIPE} 32 when the peer is gone)
     */
    public void send(byte[] data, int... fds) {
        Objects.requireNonNull(data, "data");
        if (fds.length > MAX_FDS || (fds.length > 0 && data.length == 0)) {
            throw new IllegalArgumentException("0.." + MAX_FDS + " fds with at least one data byte");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, data.length));
            MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 0, data.length);
            MemorySegment iov = arena.allocate(IovecLayout.LAYOUT);
            MemorySegment msg = arena.allocate(MsghdrLayout.LAYOUT);
            msg.set(ValueLayout.ADDRESS, MsghdrLayout.MSG_IOV_OFFSET, iov);
            msg.set(ValueLayout.JAVA_LONG, MsghdrLayout.MSG_IOVLEN_OFFSET, 1L);
            if (fds.length > 0) {
                long dataBytes = (long) fds.length * Integer.BYTES;
                MemorySegment control = arena.allocate(CmsghdrLayout.cmsgSpace(dataBytes), 8);
                control.set(ValueLayout.JAVA_LONG, CmsghdrLayout.CMSG_LEN_OFFSET, CmsghdrLayout.cmsgLen(dataBytes));
                control.set(ValueLayout.JAVA_INT, CmsghdrLayout.CMSG_LEVEL_OFFSET, SysConstants.SOL_SOCKET);
                control.set(ValueLayout.JAVA_INT, CmsghdrLayout.CMSG_TYPE_OFFSET, SysConstants.SCM_RIGHTS);
                MemorySegment.copy(fds, 0, control, ValueLayout.JAVA_INT, CmsghdrLayout.DATA_OFFSET, fds.length);
                msg.set(ValueLayout.ADDRESS, MsghdrLayout.MSG_CONTROL_OFFSET, control);
                msg.set(ValueLayout.JAVA_LONG, MsghdrLayout.MSG_CONTROLLEN_OFFSET, control.byteSize());
            }
            long sent = 0;
            while (sent < data.length || (sent == 0 && data.length == 0)) {
                iov.set(ValueLayout.ADDRESS, IovecLayout.IOV_BASE_OFFSET, buf.asSlice(sent));
                iov.set(ValueLayout.JAVA_LONG, IovecLayout.IOV_LEN_OFFSET, data.length - sent);
                long n = Native.sendmsg(fd, msg, SysConstants.MSG_NOSIGNAL);
                if (n < 0) {
                    if (-n == SysConstants.EINTR) {
                        continue;
                    }
                    throw new NativeException("sendmsg", (int) -n);
                }
                if (data.length == 0) {
                    break;
                }
                sent += n;
                // the descriptors went with the first chunk
                msg.set(ValueLayout.ADDRESS, MsghdrLayout.MSG_CONTROL_OFFSET, MemorySegment.NULL);
                msg.set(ValueLayout.JAVA_LONG, MsghdrLayout.MSG_CONTROLLEN_OFFSET, 0L);
            }
        }
    }

    /**
     * What one {@link #receive} got.
     *
     * @param bytes the number of data bytes, 0 at end of stream
     * @param fds the descriptors that came with them (now owned by the caller), possibly empty
     */
    public record Received(int bytes, int[] fds) {
        /**
         * Copies the descriptor array.
         *
         * @param bytes the number of data bytes
         * @param fds the descriptors
         */
        public Received {
            fds = fds.clone();
        }

        /**
         * The descriptors (a copy).
         *
         * @return the descriptors
         */
        @Override
        public int[] fds() {
            return fds.clone();
        }

        /**
         * Whether the peer closed its end.
         *
         * @return true when no byte was received
         */
        public boolean endOfStream() {
            return bytes == 0;
        }
    }

    /**
     * Receives up to {@code buffer.length} bytes (one {@code recvmsg}; blocks until at least one byte, end of
     * stream or {@link #shutdown()}), with at most {@code maxFds} descriptors.
     *
     * @param buffer where the bytes go
     * @param maxFds the most descriptors accepted, 0 to {@value #MAX_FDS}
     * @return the bytes received and descriptors passed with them
     * @throws NativeException when {@code recvmsg} fails
     * @throws IllegalStateException when the peer sent more than {@code maxFds} descriptors (all received
     *     ones are closed)
     */
    public Received receive(byte[] buffer, int maxFds) {
        return receive(buffer, 0, buffer.length, maxFds);
    }

    /**
     * Receives up to {@code length} bytes into {@code buffer[offset..]}, as {@link #receive(byte[], int)}.
     *
     * @param buffer where the bytes go
     * @param offset the first index to fill
     * @param length the most bytes to receive, at least 1
     * @param maxFds the most descriptors accepted, 0 to {@value #MAX_FDS}
     * @return the bytes received and descriptors passed with them
     */
    public Received receive(byte[] buffer, int offset, int length, int maxFds) {
        Objects.checkFromIndexSize(offset, length, buffer.length);
        if (length < 1 || maxFds < 0 || maxFds > MAX_FDS) {
            throw new IllegalArgumentException("length >= 1 and 0 <= maxFds <= " + MAX_FDS);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(length);
            MemorySegment iov = arena.allocate(IovecLayout.LAYOUT);
            iov.set(ValueLayout.ADDRESS, IovecLayout.IOV_BASE_OFFSET, buf);
            iov.set(ValueLayout.JAVA_LONG, IovecLayout.IOV_LEN_OFFSET, (long) length);
            // room for one more descriptor than allowed, so that "too many" is seen rather than silently cut
            long controlBytes = CmsghdrLayout.cmsgSpace((long) (maxFds + 1) * Integer.BYTES);
            MemorySegment control = arena.allocate(controlBytes, 8);
            MemorySegment msg = arena.allocate(MsghdrLayout.LAYOUT);
            msg.set(ValueLayout.ADDRESS, MsghdrLayout.MSG_IOV_OFFSET, iov);
            msg.set(ValueLayout.JAVA_LONG, MsghdrLayout.MSG_IOVLEN_OFFSET, 1L);
            msg.set(ValueLayout.ADDRESS, MsghdrLayout.MSG_CONTROL_OFFSET, control);
            msg.set(ValueLayout.JAVA_LONG, MsghdrLayout.MSG_CONTROLLEN_OFFSET, controlBytes);
            long n;
            do {
                n = Native.recvmsg(fd, msg, SysConstants.MSG_CMSG_CLOEXEC);
            } while (n == -SysConstants.EINTR);
            if (n < 0) {
                throw new NativeException("recvmsg", (int) -n);
            }
            int[] fds = parseRights(control, msg.get(ValueLayout.JAVA_LONG, MsghdrLayout.MSG_CONTROLLEN_OFFSET));
            int flags = msg.get(ValueLayout.JAVA_INT, MsghdrLayout.MSG_FLAGS_OFFSET);
            if (fds.length > maxFds || (flags & SysConstants.MSG_CTRUNC) != 0) {
                for (int f : fds) {
                    Native.close(f);
                }
                throw new IllegalStateException("peer sent " + fds.length + " descriptors"
                        + ((flags & SysConstants.MSG_CTRUNC) != 0 ? " (truncated)" : "") + ", at most " + maxFds
                        + " expected; closed them");
            }
            MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, buffer, offset, (int) n);
            return new Received((int) n, fds);
        }
    }

    /** Walks the control data the kernel wrote ({@code CMSG_FIRSTHDR}/{@code CMSG_NXTHDR}). */
    private static int[] parseRights(MemorySegment control, long controlLen) {
        int[] fds = new int[0];
        long off = 0;
        long limit = Math.min(controlLen, control.byteSize());
        while (off + CmsghdrLayout.SIZE <= limit) {
            long len = control.get(ValueLayout.JAVA_LONG, off + CmsghdrLayout.CMSG_LEN_OFFSET);
            if (len < CmsghdrLayout.SIZE || off + len > limit) {
                break;
            }
            int level = control.get(ValueLayout.JAVA_INT, off + CmsghdrLayout.CMSG_LEVEL_OFFSET);
            int type = control.get(ValueLayout.JAVA_INT, off + CmsghdrLayout.CMSG_TYPE_OFFSET);
            if (level == SysConstants.SOL_SOCKET && type == SysConstants.SCM_RIGHTS) {
                int count = (int) ((len - CmsghdrLayout.DATA_OFFSET) / Integer.BYTES);
                int base = fds.length;
                fds = Arrays.copyOf(fds, base + count);
                MemorySegment.copy(control, ValueLayout.JAVA_INT, off + CmsghdrLayout.DATA_OFFSET, fds, base, count);
            }
            off += CmsghdrLayout.cmsgSpace(len - CmsghdrLayout.DATA_OFFSET);
        }
        return fds;
    }

    /**
     * Receives exactly {@code buffer.length} bytes (several {@code recvmsg} calls if needed), with the
     * descriptors that came with the first of them.
     *
     * @param buffer where the bytes go
     * @param maxFds the most descriptors accepted in total
     * @return the descriptors (owned by the caller)
     * @throws IllegalStateException at end of stream before the buffer is full (received descriptors are
     *     closed), or when descriptors arrive after the first chunk
     */
    public int[] receiveFully(byte[] buffer, int maxFds) {
        int got = 0;
        int[] fds = new int[0];
        while (got < buffer.length) {
            Received r = receive(buffer, got, buffer.length - got, got == 0 ? maxFds : 0);
            if (r.endOfStream()) {
                for (int f : fds) {
                    Native.close(f);
                }
                throw new IllegalStateException("end of stream after " + got + " of " + buffer.length + " bytes");
            }
            if (got == 0) {
                fds = r.fds();
            }
            got += r.bytes();
        }
        return fds;
    }

    /**
     * Waits until the socket has data (or end of stream) to receive, or a listening socket a connection.
     *
     * @param timeoutMillis the longest wait in milliseconds, -1 for no limit
     * @return true when readable, false on timeout
     * @throws NativeException when {@code poll} fails
     */
    public boolean awaitReadable(int timeoutMillis) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pfd = arena.allocate(PollfdLayout.LAYOUT);
            pfd.set(ValueLayout.JAVA_INT, PollfdLayout.FD_OFFSET, fd);
            pfd.set(ValueLayout.JAVA_SHORT, PollfdLayout.EVENTS_OFFSET, SysConstants.POLLIN);
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
            while (true) {
                int wait = timeoutMillis < 0 ? -1
                        : (int) Math.max(0, (deadline - System.nanoTime()) / 1_000_000L);
                int r = Native.poll(pfd, 1, wait);
                if (r >= 0) {
                    return r > 0;
                }
                if (-r != SysConstants.EINTR) {
                    throw new NativeException("poll", -r);
                }
            }
        }
    }

    /**
     * The process id of the peer when it connected ({@code SO_PEERCRED}), as the kernel recorded it at
     * {@code connect}/{@code listen} time.
     *
     * @return the pid
     * @throws NativeException when {@code getsockopt} fails
     */
    public int peerPid() {
        try (Arena arena = Arena.ofConfined()) {
            // struct ucred { pid_t pid; uid_t uid; gid_t gid; }: 12 bytes, pid first
            MemorySegment ucred = arena.allocate(12, 4);
            int r = Native.getsockopt(fd, SysConstants.SOL_SOCKET, SysConstants.SO_PEERCRED, ucred);
            if (r < 0) {
                throw new NativeException("getsockopt(SO_PEERCRED)", -r);
            }
            return ucred.get(ValueLayout.JAVA_INT, 0);
        }
    }

    /**
     * The socket's descriptor.
     *
     * @return the descriptor
     */
    public int fd() {
        return fd;
    }

    /** {@code shutdown(SHUT_RDWR)}: wakes blocked receivers and acceptors; the peer sees end of stream. */
    public void shutdown() {
        if (!closed.get()) {
            Native.shutdown(fd, SysConstants.SHUT_RDWR);
        }
    }

    /** Closes the descriptor; idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            Native.close(fd);
        }
    }

    /**
     * Closes a descriptor received from a peer that the caller does not keep.
     *
     * @param fd the descriptor
     */
    public static void closeDescriptor(int fd) {
        Native.close(fd);
    }
}
