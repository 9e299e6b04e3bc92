package io.pvkit.abi.xenstore;

import java.util.Optional;

/**
 * Xenstore error names ({@code xsd_errors[]} in {@code xen/io/xs_wire.h}): the payload of an
 * {@code XS_ERROR} reply is the name followed by a NUL; the code is the errno.
 */
public enum XsError {
    /** {@code EINVAL} (22): invalid argument. */
    EINVAL(22),
    /** {@code EACCES} (13): permission denied. */
    EACCES(13),
    /** {@code EEXIST} (17): node exists. */
    EEXIST(17),
    /** {@code EISDIR} (21): is a directory. */
    EISDIR(21),
    /** {@code ENOENT} (2): no such node. */
    ENOENT(2),
    /** {@code ENOMEM} (12): out of memory. */
    ENOMEM(12),
    /** {@code ENOSPC} (28): no space (quota). */
    ENOSPC(28),
    /** {@code EIO} (5): I/O error. */
    EIO(5),
    /** {@code ENOTEMPTY} (39): directory not empty. */
    ENOTEMPTY(39),
    /** {@code ENOSYS} (38): unknown request type. */
    ENOSYS(38),
    /** {@code EROFS} (30): read-only. */
    EROFS(30),
    /** {@code EBUSY} (16): busy. */
    EBUSY(16),
    /** {@code EAGAIN} (11): transaction conflict; retry. */
    EAGAIN(11),
    /** {@code EISCONN} (106): already connected. */
    EISCONN(106),
    /** {@code E2BIG} (7): too big. */
    E2BIG(7),
    /** {@code EPERM} (1): not permitted. */
    EPERM(1);

    private final int code;

    XsError(int code) {
        this.code = code;
    }

    /**
     * The numeric value on the wire.
     *
     * @return the value of {@code <name>}
     */
    public int code() {
        return code;
    }

    /**
     * Looks up a value by number.
     *
     * @param code the value read from a peer (untrusted; any {@code long})
     * @return the constant, or empty when no constant has this value
     */
    public static Optional<XsError> of(long code) {
        for (XsError v : values()) {
            if (v.code == code) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    /**
     * Looks up an error by the name in an {@code XS_ERROR} payload.
     *
     * @param name the name without the trailing NUL (untrusted)
     * @return the error, or empty when the name is not in Xen's table
     */
    public static Optional<XsError> ofName(String name) {
        for (XsError e : values()) {
            if (e.name().equals(name)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }
}
