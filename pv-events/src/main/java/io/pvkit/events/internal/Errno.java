package io.pvkit.events.internal;

import io.pvkit.abi.XenErrno;

/** The negated Xen errno values pv-events returns, as {@code int}s (the hot paths return primitives). */
public final class Errno {
    public static final int EINVAL = (int) XenErrno.EINVAL.negated();
    public static final int ENOSPC = (int) XenErrno.ENOSPC.negated();
    public static final int ESRCH = (int) XenErrno.ESRCH.negated();
    public static final int EPERM = (int) XenErrno.EPERM.negated();
    public static final int ENOENT = (int) XenErrno.ENOENT.negated();
    public static final int EEXIST = (int) XenErrno.EEXIST.negated();
    public static final int EBUSY = (int) XenErrno.EBUSY.negated();
    public static final int EAGAIN = (int) XenErrno.EAGAIN.negated();

    private Errno() {
    }
}
