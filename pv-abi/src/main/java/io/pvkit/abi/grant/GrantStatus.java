package io.pvkit.abi.grant;

import java.util.Optional;

/**
 * Per-element grant table results ({@code GNTST_*} in {@code xen/grant_table.h}), an
 * {@code int16_t} in each argument structure, with Xen's own message ({@code GNTTABOP_error_msgs}).
 */
public enum GrantStatus {
    /** {@code GNTST_okay} (0): normal return. */
    OKAY(0, "okay"),
    /** {@code GNTST_general_error} (-1): general undefined error. */
    GENERAL_ERROR(-1, "undefined error"),
    /** {@code GNTST_bad_domain} (-2): unrecognised domain id. */
    BAD_DOMAIN(-2, "unrecognised domain id"),
    /** {@code GNTST_bad_gntref} (-3): unrecognised or inappropriate grant reference. */
    BAD_GNTREF(-3, "invalid grant reference"),
    /** {@code GNTST_bad_handle} (-4): unrecognised or inappropriate handle. */
    BAD_HANDLE(-4, "invalid mapping handle"),
    /** {@code GNTST_bad_virt_addr} (-5): inappropriate virtual address to map. */
    BAD_VIRT_ADDR(-5, "invalid virtual address"),
    /** {@code GNTST_bad_dev_addr} (-6): inappropriate device address to unmap. */
    BAD_DEV_ADDR(-6, "invalid device address"),
    /** {@code GNTST_no_device_space} (-7): out of space in the I/O MMU. */
    NO_DEVICE_SPACE(-7, "no spare translation slot in the I/O MMU"),
    /** {@code GNTST_permission_denied} (-8): not enough privilege for the operation. */
    PERMISSION_DENIED(-8, "permission denied"),
    /** {@code GNTST_bad_page} (-9): the page was invalid for the operation. */
    BAD_PAGE(-9, "bad page"),
    /** {@code GNTST_bad_copy_arg} (-10): copy arguments cross a page boundary. */
    BAD_COPY_ARG(-10, "copy arguments cross page boundary"),
    /** {@code GNTST_address_too_big} (-11): transfer page address too large. */
    ADDRESS_TOO_BIG(-11, "page address size too large"),
    /** {@code GNTST_eagain} (-12): operation not done; try again. */
    EAGAIN(-12, "operation not done; try again"),
    /** {@code GNTST_no_space} (-13): out of space (handles etc.). */
    NO_SPACE(-13, "out of space");

    private final int code;
    private final String message;

    GrantStatus(int code, String message) {
        this.code = code;
        this.message = message;
    }

    /**
     * The numeric value on the wire.
     *
     * @return the value of {@code GNTST_<name>}
     */
    public int code() {
        return code;
    }

    /**
     * Xen's message for this status ({@code GNTTABOP_error_msgs[-code]}).
     *
     * @return the value
     */
    public String message() {
        return message;
    }

    /**
     * Looks up a value by number.
     *
     * @param code the value read from a peer (untrusted; any {@code long})
     * @return the constant, or empty when no constant has this value
     */
    public static Optional<GrantStatus> of(long code) {
        for (GrantStatus v : values()) {
            if (v.code == code) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    /**
     * Describes a status value as Xen does, including values Xen does not define.
     *
     * @param status a {@code GNTST_*} value (untrusted)
     * @return e.g. {@code "GNTST_bad_gntref (-3): invalid grant reference"}
     */
    public static String describe(long status) {
        return of(status).map(s -> "GNTST_" + s.name().toLowerCase(java.util.Locale.ROOT) + " (" + status + "): " + s.message)
                .orElse("unknown grant status " + status);
    }
}
