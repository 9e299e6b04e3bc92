package io.pvkit.abi;

/**
 * Domain identifiers ({@code domid_t}, a u16) and the special ids of {@code xen.h}.
 */
public final class DomId {
    /** The first reserved id; also {@link #SELF}. */
    public static final int FIRST_RESERVED = 0x7FF0;
    /** "The calling domain" in hypercall arguments. */
    public static final int SELF = 0x7FF0;
    /** The I/O pseudo-domain. */
    public static final int IO = 0x7FF1;
    /** The Xen pseudo-domain. */
    public static final int XEN = 0x7FF2;
    /** The copy-on-write pseudo-domain. */
    public static final int COW = 0x7FF3;
    /** An invalid domain id. */
    public static final int INVALID = 0x7FF4;
    /** The idle domain. */
    public static final int IDLE = 0x7FFF;
    /** Mask of the bits a domain id may use. */
    public static final int MASK = 0x7FFF;

    private DomId() {
    }

    /**
     * Whether {@code domid} names an ordinary domain (not a reserved one).
     *
     * @param domid a domain id as read from a u16 field (0..0xFFFF)
     * @return true when {@code 0 <= domid < FIRST_RESERVED}
     */
    public static boolean isOrdinary(int domid) {
        return domid >= 0 && domid < FIRST_RESERVED;
    }
}
