package io.pvkit.abi.hypercall;

import io.pvkit.abi.memory.GuestMemoryFault;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/**
 * An array of argument structures in a caller's memory, such as the {@code uops} of
 * {@code grant_table_op(cmd, uops, count)}. Obtained from {@link HypercallContext#array}; the count and
 * the end address were checked for overflow, and each element is validated when it is accessed (so a
 * hypervisor processes elements 0..i-1 and fails at the first bad one, as Xen does).
 *
 * @param context the calling domain
 * @param address the guest address of element 0 (untrusted)
 * @param count the number of elements (checked non-negative, no overflow)
 * @param element the layout of one element
 */
public record GuestArray(HypercallContext context, long address, long count, MemoryLayout element) {

    /**
     * Validates the components (use {@link HypercallContext#array} rather than this constructor).
     *
     * @param context the calling domain
     * @param address the guest address of element 0
     * @param count the number of elements
     * @param element the layout of one element
     */
    public GuestArray {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative: " + count);
        }
    }

    /**
     * The guest address of one element.
     *
     * @param index the element index
     * @return {@code address + index * element size}
     * @throws GuestMemoryFault when {@code index} is outside {@code [0, count)}
     */
    public long elementAddress(long index) {
        if (index < 0 || index >= count) {
            throw new GuestMemoryFault("element " + index + " outside an array of " + count, address, count);
        }
        return address + index * element.byteSize();
    }

    /**
     * Copies one element out of the caller's memory into a private segment.
     *
     * @param index the element index
     * @return a private copy
     * @throws GuestMemoryFault when the element is outside the caller's memory or misaligned
     */
    public MemorySegment copyIn(long index) {
        return context.copyIn(elementAddress(index), element);
    }

    /**
     * Writes one element back into the caller's memory.
     *
     * @param index the element index
     * @param value exactly one element's bytes
     * @throws GuestMemoryFault when the element is outside the caller's memory or misaligned
     */
    public void copyOut(long index, MemorySegment value) {
        context.copyOut(elementAddress(index), element, value);
    }
}
