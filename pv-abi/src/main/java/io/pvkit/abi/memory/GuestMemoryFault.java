package io.pvkit.abi.memory;

/**
 * A guest address that does not lie inside a domain's memory, or an atomic access that is not
 * naturally aligned.
 *
 * <p>Thrown by {@link GuestMemory} instead of touching memory outside the domain. A hypervisor turns
 * it into {@code -EFAULT} for the calling guest.
 */
public final class GuestMemoryFault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The guest-physical address of the failed access. */
    private final long address;
    /** The length in bytes of the failed access. */
    private final long length;

    /**
     * Creates a fault.
     *
     * @param message what was wrong
     * @param address the guest-physical address of the access
     * @param length the length of the access in bytes
     */
    public GuestMemoryFault(String message, long address, long length) {
        super(message + String.format(" (gpa 0x%x, length %d)", address, length));
        this.address = address;
        this.length = length;
    }

    /**
     * The guest-physical address of the failed access.
     *
     * @return the address as the caller gave it
     */
    public long address() {
        return address;
    }

    /**
     * The length of the failed access.
     *
     * @return the length in bytes as the caller gave it
     */
    public long length() {
        return length;
    }
}
