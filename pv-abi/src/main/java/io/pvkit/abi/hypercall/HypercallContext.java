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
        if (length < 0) {
            throw new GuestMemoryFault("negative length from domain " + domid, address, length);
        }
        // UNTRUSTED: address and length come from guest registers or guest memory; translate once,
        // then bounds-check the translated range against this domain's memory only
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
     * Writes a whole structure back into the caller's memory at a pointer that must be aligned to the
     * structure's alignment, as the C ABI requires.
     *
     * @param address the pointer argument (untrusted)
     * @param layout the structure's layout; {@code value} must be exactly this size
     * @param value the bytes to write
     * @throws GuestMemoryFault when the pointer is bad or misaligned
     * @throws IllegalArgumentException when {@code value} is not {@code layout}-sized (a hypervisor bug)
     */
    public void copyOut(long address, MemoryLayout layout, MemorySegment value) {
        if (value.byteSize() != layout.byteSize()) {
            throw new IllegalArgumentException("value of " + value.byteSize() + " bytes for a layout of "
                    + layout.byteSize());
        }
        long gpa = resolve(address, layout.byteSize(), layout.byteAlignment());
        MemorySegment.copy(value, 0, memory.segment(), gpa, layout.byteSize());
    }

    /**
     * Views {@code count} consecutive structures in the caller's memory (the {@code uops, count} of
     * {@code grant_table_op}). Only the arithmetic is checked here; each element is translated,
     * bounds-checked and aligned when it is accessed, as Xen's per-element
     * {@code copy_from_guest_offset} does.
     *
     * @param address the pointer argument (untrusted)
     * @param count the element count argument (untrusted)
     * @param element the layout of one element
     * @return the array view
     * @throws GuestMemoryFault when {@code count} is negative or the array's end overflows
     */
    public GuestArray array(long address, long count, MemoryLayout element) {
        long stride = element.byteSize();
        if (count < 0 || stride <= 0) {
            throw new GuestMemoryFault("negative element count " + count + " from domain " + domid, address, count);
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(count, stride);
            Math.addExact(address, bytes);
        } catch (ArithmeticException overflow) {
            throw new GuestMemoryFault("array of " + count + " elements overflows from domain " + domid, address, count);
        }
        return new GuestArray(this, address, count, element);
    }

    /**
     * Copies a byte buffer (e.g. {@code console_io}'s {@code buf}) out of the caller's memory.
     *
     * @param address the pointer argument (untrusted)
     * @param length the length argument (untrusted); the hypervisor should bound it before calling
     * @return a private copy
     * @throws GuestMemoryFault when the range is bad or {@code length} is negative or too large for an array
     */
    public byte[] readBytes(long address, long length) {
        if (length < 0 || length > Integer.MAX_VALUE - 8) {
            throw new GuestMemoryFault("bad buffer length from domain " + domid, address, length);
        }
        long gpa = resolve(address, length, 1);
        byte[] copy = new byte[(int) length];
        MemorySegment.copy(memory.segment(), ValueLayout.JAVA_BYTE, gpa, copy, 0, copy.length);
        return copy;
    }

    /**
     * Copies bytes into the caller's memory.
     *
     * @param address the pointer argument (untrusted)
     * @param bytes the bytes to write
     * @throws GuestMemoryFault when the range is bad
     */
    public void writeBytes(long address, byte[] bytes) {
        long gpa = resolve(address, bytes.length, 1);
        MemorySegment.copy(bytes, 0, memory.segment(), ValueLayout.JAVA_BYTE, gpa, bytes.length);
    }

    /**
     * Reads a 32-bit little-endian value from the caller's memory.
     *
     * @param address the pointer argument (untrusted); must be 4-aligned
     * @return the value
     * @throws GuestMemoryFault when the pointer is bad
     */
    public int readInt(long address) {
        return memory.segment().get(ValueLayout.JAVA_INT_UNALIGNED, resolve(address, 4, 4));
    }

    /**
     * Reads a 64-bit little-endian value from the caller's memory.
     *
     * @param address the pointer argument (untrusted); must be 8-aligned
     * @return the value
     * @throws GuestMemoryFault when the pointer is bad
     */
    public long readLong(long address) {
        return memory.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, resolve(address, 8, 8));
    }

    /**
     * Writes a 16-bit value (e.g. a {@code GNTST_*} status field) into the caller's memory.
     *
     * @param address the guest address (untrusted); must be 2-aligned
     * @param value the value
     * @throws GuestMemoryFault when the pointer is bad
     */
    public void writeShort(long address, short value) {
        memory.segment().set(ValueLayout.JAVA_SHORT_UNALIGNED, resolve(address, 2, 2), value);
    }

    /**
     * Writes a 32-bit value into the caller's memory.
     *
     * @param address the guest address (untrusted); must be 4-aligned
     * @param value the value
     * @throws GuestMemoryFault when the pointer is bad
     */
    public void writeInt(long address, int value) {
        memory.segment().set(ValueLayout.JAVA_INT_UNALIGNED, resolve(address, 4, 4), value);
    }

    /**
     * Writes a 64-bit value (e.g. one {@code xen_pfn_t} of a frame list) into the caller's memory.
     *
     * @param address the guest address (untrusted); must be 8-aligned
     * @param value the value
     * @throws GuestMemoryFault when the pointer is bad
     */
    public void writeLong(long address, long value) {
        memory.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, resolve(address, 8, 8), value);
    }
}
