package io.pvkit.grant.internal;

import io.pvkit.abi.grant.GrantStatus;

/**
 * The {@link GrantStatus} codes as {@code static final int}s (JIT constants) for the hot paths.
 */
public final class Gntst {
    public static final int OKAY = GrantStatus.OKAY.code();
    public static final int GENERAL_ERROR = GrantStatus.GENERAL_ERROR.code();
    public static final int BAD_DOMAIN = GrantStatus.BAD_DOMAIN.code();
    public static final int BAD_GNTREF = GrantStatus.BAD_GNTREF.code();
    public static final int BAD_HANDLE = GrantStatus.BAD_HANDLE.code();
    public static final int BAD_VIRT_ADDR = GrantStatus.BAD_VIRT_ADDR.code();
    public static final int PERMISSION_DENIED = GrantStatus.PERMISSION_DENIED.code();
    public static final int BAD_PAGE = GrantStatus.BAD_PAGE.code();
    public static final int BAD_COPY_ARG = GrantStatus.BAD_COPY_ARG.code();
    public static final int EAGAIN = GrantStatus.EAGAIN.code();
    public static final int NO_SPACE = GrantStatus.NO_SPACE.code();

    private Gntst() {
    }
}
