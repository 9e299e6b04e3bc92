package io.pvkit.abi.spi;

/**
 * Translates the pointer arguments of a hypercall into guest-physical addresses of the caller's memory.
 *
 * <p>pvkit's own guests pass guest-physical addresses, so the default is {@link #IDENTITY}. A VMM that
 * runs real HVM guests supplies a translator that walks the guest's page tables (pointer arguments are
 * then guest <em>virtual</em> addresses).
 */
@FunctionalInterface
public interface GuestAddressTranslator {
    /** Returned by {@link #toGuestPhysical(long, long)} when the range cannot be translated. */
    long INVALID = -1L;

    /** Guest addresses are guest-physical addresses. */
    GuestAddressTranslator IDENTITY = (address, length) -> address;

    /**
     * Translates {@code [address, address + length)} into a contiguous guest-physical range.
     *
     * @param address the guest address from a hypercall argument (untrusted)
     * @param length the number of bytes the hypervisor will access
     * @return the guest-physical address of the first byte, or {@link #INVALID}; the caller still
     *     bounds-checks the result against the domain's memory
     */
    long toGuestPhysical(long address, long length);
}
