package io.pvkit.abi.xenstore;

import java.util.Optional;

/**
 * Xenstore message types ({@code enum xsd_sockmsg_type} in {@code xen/io/xs_wire.h}), the
 * {@code type} of {@code xsd_sockmsg}. 20 ({@code XS_RESTRICT}) was removed and has no constant.
 */
public enum XsdSockmsgType {
    /** {@code XS_CONTROL} (0): implementation-specific command (alias XS_DEBUG). */
    CONTROL(0),
    /** {@code XS_DIRECTORY} (1): list children. */
    DIRECTORY(1),
    /** {@code XS_READ} (2): read a value. */
    READ(2),
    /** {@code XS_GET_PERMS} (3): read permissions. */
    GET_PERMS(3),
    /** {@code XS_WATCH} (4): register a watch. */
    WATCH(4),
    /** {@code XS_UNWATCH} (5): remove a watch. */
    UNWATCH(5),
    /** {@code XS_TRANSACTION_START} (6): start a transaction. */
    TRANSACTION_START(6),
    /** {@code XS_TRANSACTION_END} (7): commit ("T") or abort ("F"). */
    TRANSACTION_END(7),
    /** {@code XS_INTRODUCE} (8): introduce a domain (privileged). */
    INTRODUCE(8),
    /** {@code XS_RELEASE} (9): release a domain (privileged). */
    RELEASE(9),
    /** {@code XS_GET_DOMAIN_PATH} (10): the home path of a domain. */
    GET_DOMAIN_PATH(10),
    /** {@code XS_WRITE} (11): write a value. */
    WRITE(11),
    /** {@code XS_MKDIR} (12): create a node. */
    MKDIR(12),
    /** {@code XS_RM} (13): remove a node recursively. */
    RM(13),
    /** {@code XS_SET_PERMS} (14): set permissions. */
    SET_PERMS(14),
    /** {@code XS_WATCH_EVENT} (15): unsolicited watch event. */
    WATCH_EVENT(15),
    /** {@code XS_ERROR} (16): error reply; payload is an error name such as "ENOENT". */
    ERROR(16),
    /** {@code XS_IS_DOMAIN_INTRODUCED} (17): "T" or "F". */
    IS_DOMAIN_INTRODUCED(17),
    /** {@code XS_RESUME} (18): resume a domain. */
    RESUME(18),
    /** {@code XS_SET_TARGET} (19): set a target domain. */
    SET_TARGET(19),
    /** {@code XS_RESET_WATCHES} (21): drop all watches. */
    RESET_WATCHES(21),
    /** {@code XS_DIRECTORY_PART} (22): list children in parts. */
    DIRECTORY_PART(22),
    /** {@code XS_INVALID} (65535): guaranteed invalid type. */
    INVALID(65535);

    private final int code;

    XsdSockmsgType(int code) {
        this.code = code;
    }

    /**
     * The numeric value on the wire.
     *
     * @return the value of {@code XS_<name>}
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
    public static Optional<XsdSockmsgType> of(long code) {
        for (XsdSockmsgType v : values()) {
            if (v.code == code) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    /** {@code XS_TYPE_COUNT}: one above the highest defined type. */
    public static final int TYPE_COUNT = 23;
}
