package io.pvkit.process.internal;

/**
 * The x86_64 Linux constants pv-process passes to libc, each checked against the C headers by
 * {@code ProcessAbiCrossCheckTest} (gcc).
 */
public final class SysConstants {
    /** {@code MFD_CLOEXEC}. */
    public static final int MFD_CLOEXEC = 0x1;
    /** {@code MFD_ALLOW_SEALING}. */
    public static final int MFD_ALLOW_SEALING = 0x2;
    /** {@code F_ADD_SEALS}. */
    public static final int F_ADD_SEALS = 1033;
    /** {@code F_GET_SEALS}. */
    public static final int F_GET_SEALS = 1034;
    /** {@code F_SEAL_SEAL}: no more seals can be added. */
    public static final int F_SEAL_SEAL = 0x1;
    /** {@code F_SEAL_SHRINK}: the file cannot be made smaller. */
    public static final int F_SEAL_SHRINK = 0x2;
    /** {@code F_SEAL_GROW}: the file cannot be made larger. */
    public static final int F_SEAL_GROW = 0x4;
    /** {@code F_SEAL_WRITE}: the contents cannot be written. */
    public static final int F_SEAL_WRITE = 0x8;
    /** {@code PROT_READ}. */
    public static final int PROT_READ = 0x1;
    /** {@code PROT_WRITE}. */
    public static final int PROT_WRITE = 0x2;
    /** {@code MAP_SHARED}. */
    public static final int MAP_SHARED = 0x1;
    /** {@code SEEK_END}. */
    public static final int SEEK_END = 2;
    /** {@code AF_UNIX}. */
    public static final int AF_UNIX = 1;
    /** {@code SOCK_STREAM}. */
    public static final int SOCK_STREAM = 1;
    /** {@code SOCK_CLOEXEC}. */
    public static final int SOCK_CLOEXEC = 0x80000;
    /** {@code SOL_SOCKET}. */
    public static final int SOL_SOCKET = 1;
    /** {@code SCM_RIGHTS}. */
    public static final int SCM_RIGHTS = 1;
    /** {@code MSG_NOSIGNAL}. */
    public static final int MSG_NOSIGNAL = 0x4000;
    /** {@code MSG_CTRUNC}. */
    public static final int MSG_CTRUNC = 0x8;
    /** {@code MSG_CMSG_CLOEXEC}. */
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;
    /** {@code SHUT_RDWR}. */
    public static final int SHUT_RDWR = 2;
    /** {@code POLLIN}. */
    public static final short POLLIN = 0x1;
    /** {@code SO_PEERCRED}: the {@code struct ucred} of the process that connected a Unix socket. */
    public static final int SO_PEERCRED = 17;
    /** {@code SYS_pidfd_open} (Linux 5.3): a descriptor that becomes readable when the process exits. */
    public static final int SYS_pidfd_open = 434;
    /** {@code ESRCH}. */
    public static final int ESRCH = 3;
    /** {@code EPERM}. */
    public static final int EPERM = 1;
    /** {@code EINTR}. */
    public static final int EINTR = 4;
    /** {@code EAGAIN}. */
    public static final int EAGAIN = 11;
    /** {@code EBUSY}. */
    public static final int EBUSY = 16;

    private SysConstants() {
    }
}
