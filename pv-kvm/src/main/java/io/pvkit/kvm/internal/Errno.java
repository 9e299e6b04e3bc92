package io.pvkit.kvm.internal;

import java.util.Map;

/** Linux x86_64 errno values pv-kvm names in its messages ({@code asm-generic/errno-base.h}). */
public final class Errno {
    /** Operation not permitted. */
    public static final int EPERM = 1;
    /** No such file or directory. */
    public static final int ENOENT = 2;
    /** Interrupted system call. */
    public static final int EINTR = 4;
    /** Try again. */
    public static final int EAGAIN = 11;
    /** Invalid argument. */
    public static final int EINVAL = 22;

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(1, "EPERM (operation not permitted)"), Map.entry(2, "ENOENT (no such file or directory)"),
            Map.entry(4, "EINTR (interrupted)"), Map.entry(5, "EIO (I/O error)"),
            Map.entry(6, "ENXIO (no such device or address)"), Map.entry(7, "E2BIG (argument list too long)"),
            Map.entry(9, "EBADF (bad file descriptor)"), Map.entry(11, "EAGAIN (try again)"),
            Map.entry(12, "ENOMEM (out of memory)"), Map.entry(13, "EACCES (permission denied)"),
            Map.entry(14, "EFAULT (bad address)"), Map.entry(16, "EBUSY (device or resource busy)"),
            Map.entry(17, "EEXIST (exists)"), Map.entry(19, "ENODEV (no such device)"),
            Map.entry(22, "EINVAL (invalid argument)"), Map.entry(24, "EMFILE (too many open files)"),
            Map.entry(25, "ENOTTY (inappropriate ioctl for device)"), Map.entry(38, "ENOSYS (not implemented)"),
            Map.entry(95, "EOPNOTSUPP (operation not supported)"));

    private Errno() {
    }

    /**
     * Names an errno.
     *
     * @param errno the value
     * @return for example {@code "ENOENT (no such file or directory)"}, or {@code "errno 123"}
     */
    public static String describe(int errno) {
        String name = NAMES.get(errno);
        return name != null ? name : "errno " + errno;
    }
}
