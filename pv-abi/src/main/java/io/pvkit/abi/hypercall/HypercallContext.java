package io.pvkit.abi.hypercall;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.GuestMemoryFault;
import io.pvkit.abi.spi.GuestAddressTranslator;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * Who is calling: the domain and vCPU that issued a hypercall, whether the domain is privileged, its
 * memory, and how its pointer arguments translate to guest-physical addresses.
 *
 * <p>The hypervisor-side helpers {@link #copyIn(long, MemoryLayout)} and
 * {@link #copyOut(long, MemorySegment)} read and write argument structures with validation: a pointer
 * that is outside the caller's memory, untranslatable, or not aligned to the structure's alignment
 * throws {@link GuestMemoryFault}, which {@link HypercallResults#guard} turns into {@code -EFAULT}.
 * {@code copyIn} takes one private copy (no double fetch of guest-written arguments).
 *
 * @param domid the calling domain's id
 * @param vcpu the calling vCPU's index
 * @param privileged whether the calling domain is privileged (domain 0)
 * @param memory the calling domain's memory
 * @param translator how pointer arguments map to guest-physical addresses
 */
public record HypercallContext(int domid, int vcpu, boolean privileged, GuestMemory memory,
                               GuestAddressTranslator translator) {

    /**
     * Validates the components.
     *
     * @param domid the calling domain's id
     * @param vcpu the calling vCPU's index
     * @param privileged whether the calling domain is privileged
     * @param memory the calling domain's memory
     * @param translator how pointer arguments map to guest-physical addresses
     */
    public HypercallContext {
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(translator, "translator");
        if (vcpu < 0) {
            throw new IllegalArgumentException("vcpu must not be negative: " + vcpu);
        }
    }

    /**
     * A context with identity address translation.
     *
     * @param domid the calling domain's id
     * @param vcpu the calling vCPU's index
     * @param privileged whether the calling domain is privileged
     * @param memory the calling domain's memory
     * @return the context
     */
    public static HypercallContext of(int domid, int vcpu, boolean privileged, GuestMemory memory) {
        return new HypercallContext(domid, vcpu, privileged, memory, GuestAddressTranslator.IDENTITY);
    }

    /**
     * Translates and bounds-checks a guest pointer argument.
     *
     * @param address the pointer argument (untrusted)
     * @param length the number of bytes to be accessed
     * @param alignment the required alignment of the guest-physical address (a power of two)
     * @return the guest-physical address
     * @throws GuestMemoryFault when the range is untranslatable, outside memory or misaligned
     */
    public long resolve(long address, long length, long alignment) {
        long gpa = translator.toGuestPhysical(address, length);
        if (gpa == GuestAddressTranslator.INVALID || !memory.contains(gpa, length)) {
            throw new GuestMemoryFault("bad guest pointer from domain " + domid, address, length);
        }
        if ((gpa & (alignment - 1)) != 0) {
            throw new GuestMemoryFault("guest pointer not aligned to " + alignment + " from domain " + domid,
                    address, length);
        }
        return gpa;
    }

    /**
     * Copies an argument structure out of the caller's memory into a private, 8-aligned heap segment.
     *
     * @param address the pointer argument (untrusted)
     * @param layout the structure's layout
     * @return a private copy the guest cannot change
     * @throws GuestMemoryFault when the pointer is bad
     */
    public MemorySegment copyIn(long address, MemoryLayout layout) {
        long size = layout.byteSize();
        long gpa = resolve(address, size, layout.byteAlignment());
        MemorySegment copy = MemorySegment.ofArray(new long[(int) ((size + 7) >>> 3)]).asSlice(0, size);
        MemorySegment.copy(memory.segment(), gpa, copy, 0, size);
        return copy;
    }

    /**
     * Writes a whole structure back into the caller's memory.
     *
     * @param address the pointer argument (untrusted)
     * @param value the bytes to write (all of them are written, so no stale bytes remain)
     * @throws GuestMemoryFault when the pointer is bad
     */
    public void copyOut(long address, MemorySegment value) {
        long size = value.byteSize();
        long gpa = resolve(address, size, 1);
        MemorySegment.copy(value, 0, memory.segment(), gpa, size);
    }

    /**
     * Reads a 32-bit little-endian value from the caller's memory.
     *
     * @param address the pointer argument (untrusted)
     * @return the value
     * @throws GuestMemoryFault when the pointer is bad
     */
    public int readInt(long address) {
        return memory.segment().get(ValueLayout.JAVA_INT_UNALIGNED, resolve(address, 4, 4));
    }
}
