package io.pvkit.abi;

import java.util.Optional;

/**
 * Xen's errno values ({@code xen/include/public/errno.h}); a hypercall returns them negated.
 *
 * <p>The numbers are identical to x86 Linux errnos. {@code EINTR} (4) and {@code ERESTART} (85)
 * are Xen-internal and never returned to a guest, but are listed so that a value seen in the wild
 * can be named. {@code EWOULDBLOCK} and {@code EDEADLOCK} are aliases of {@link #EAGAIN} and
 * {@link #EDEADLK}.
 */
public enum XenErrno {
    /** Operation not permitted. */
    EPERM(1),
    /** No such file or directory. */
    ENOENT(2),
    /** No such process. */
    ESRCH(3),
    /** Interrupted system call (Xen-internal). */
    EINTR(4),
    /** I/O error. */
    EIO(5),
    /** No such device or address. */
    ENXIO(6),
    /** Arg list too long. */
    E2BIG(7),
    /** Exec format error. */
    ENOEXEC(8),
    /** Bad file number. */
    EBADF(9),
    /** No child processes. */
    ECHILD(10),
    /** Try again (alias EWOULDBLOCK). */
    EAGAIN(11),
    /** Out of memory. */
    ENOMEM(12),
    /** Permission denied. */
    EACCES(13),
    /** Bad address. */
    EFAULT(14),
    /** Device or resource busy. */
    EBUSY(16),
    /** File exists. */
    EEXIST(17),
    /** Cross-device link. */
    EXDEV(18),
    /** No such device. */
    ENODEV(19),
    /** Not a directory. */
    ENOTDIR(20),
    /** Is a directory. */
    EISDIR(21),
    /** Invalid argument. */
    EINVAL(22),
    /** File table overflow. */
    ENFILE(23),
    /** Too many open files. */
    EMFILE(24),
    /** No space left on device. */
    ENOSPC(28),
    /** Read-only file system. */
    EROFS(30),
    /** Too many links. */
    EMLINK(31),
    /** Math argument out of domain of function. */
    EDOM(33),
    /** Math result not representable. */
    ERANGE(34),
    /** Resource deadlock would occur (alias EDEADLOCK). */
    EDEADLK(35),
    /** File name too long. */
    ENAMETOOLONG(36),
    /** No record locks available. */
    ENOLCK(37),
    /** Function not implemented. */
    ENOSYS(38),
    /** Directory not empty. */
    ENOTEMPTY(39),
    /** No data available. */
    ENODATA(61),
    /** Timer expired. */
    ETIME(62),
    /** Not a data message. */
    EBADMSG(74),
    /** Value too large for defined data type. */
    EOVERFLOW(75),
    /** Illegal byte sequence. */
    EILSEQ(84),
    /** Interrupted system call should be restarted (Xen-internal). */
    ERESTART(85),
    /** Socket operation on non-socket. */
    ENOTSOCK(88),
    /** Message too long. */
    EMSGSIZE(90),
    /** Operation not supported on transport endpoint. */
    EOPNOTSUPP(95),
    /** Address already in use. */
    EADDRINUSE(98),
    /** Cannot assign requested address. */
    EADDRNOTAVAIL(99),
    /** No buffer space available. */
    ENOBUFS(105),
    /** Transport endpoint is already connected. */
    EISCONN(106),
    /** Transport endpoint is not connected. */
    ENOTCONN(107),
    /** Connection timed out. */
    ETIMEDOUT(110),
    /** Connection refused. */
    ECONNREFUSED(111);

    private static final XenErrno[] BY_VALUE = new XenErrno[112];

    static {
        for (XenErrno e : values()) {
            BY_VALUE[e.value] = e;
        }
    }

    private final int value;

    XenErrno(int value) {
        this.value = value;
    }

    /**
     * The positive errno value, as in {@code errno.h}.
     *
     * @return the value, always positive
     */
    public int value() {
        return value;
    }

    /**
     * The value a hypercall returns for this error.
     *
     * @return {@code -value()}
     */
    public long negated() {
        return -value;
    }

    /**
     * Looks up an errno by its positive value.
     *
     * @param value a positive errno value
     * @return the errno, or empty when Xen defines none with this value
     */
    public static Optional<XenErrno> ofValue(long value) {
        return value > 0 && value < BY_VALUE.length ? Optional.ofNullable(BY_VALUE[(int) value]) : Optional.empty();
    }

    /**
     * Looks up the errno of a (negative) hypercall result.
     *
     * @param result a hypercall's return value
     * @return the errno when {@code result} is a negated Xen errno, otherwise empty
     */
    public static Optional<XenErrno> ofResult(long result) {
        return result < 0 ? ofValue(-result) : Optional.empty();
    }

    /**
     * Describes a hypercall result for messages: {@code "0"}, {@code "-EINVAL(-22)"} or the number.
     *
     * @param result a hypercall's return value
     * @return a readable description
     */
    public static String describe(long result) {
        return ofResult(result).map(e -> "-" + e.name() + "(" + result + ")").orElse(Long.toString(result));
    }
}
