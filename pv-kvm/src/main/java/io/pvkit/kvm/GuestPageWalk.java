package io.pvkit.kvm;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.spi.GuestAddressTranslator;

/**
 * Translates guest-virtual addresses of a 64-bit (long-mode, 4-level paging) guest to guest-physical
 * addresses by walking its page tables in its own memory, as the hardware would: the
 * {@link GuestAddressTranslator} of a KVM guest's hypercalls (Xen's {@code copy_from_guest} on an HVM
 * guest).
 *
 * <p>Bounded and total: each page costs exactly one read per level (at most four), a range costs one walk
 * per page it touches, a range longer than the guest's memory is refused up front, and every failure
 * (non-canonical address, a non-present or reserved entry, a table outside guest memory, a range whose
 * pages are not physically contiguous) is {@link #INVALID}, never an exception or a loop. A page-table
 * cycle (an entry pointing back to a table above it) is only a strange mapping: the walk still stops after
 * four levels. Permission bits (R/W, U/S, NX) are not checked.
 *
 * <p>Thread-safety: immutable; the guest may change its tables concurrently (each entry is read once).
 */
public final class GuestPageWalk implements GuestAddressTranslator {
    /** Page-table entry bit 0: present. */
    public static final long PTE_PRESENT = 1L;
    /** Page-table entry bit 7 in a PDPT or PD entry: 1 GiB or 2 MiB page. */
    public static final long PTE_PAGE_SIZE = 1L << 7;
    /** Physical-address bits 51:12 of a page-table entry. */
    public static final long PTE_ADDRESS_MASK = 0x000F_FFFF_FFFF_F000L;
    /** CR0.PG. */
    public static final long CR0_PG = 1L << 31;
    /** CR4.PAE. */
    public static final long CR4_PAE = 1L << 5;
    /** EFER.LMA (long mode active). */
    public static final long EFER_LMA = 1L << 10;

    private static final int PAGE_SHIFT = GuestMemory.PAGE_SHIFT;
    private static final long PAGE_MASK = GuestMemory.PAGE_SIZE - 1L;

    private final GuestMemory memory;
    private final long pml4;

    /**
     * A walker over the tables rooted at {@code cr3}.
     *
     * @param memory the guest's memory (where its page tables live)
     * @param cr3 the guest's CR3 (bits 51:12: the PML4's guest-physical address; PCID bits are ignored)
     */
    public GuestPageWalk(GuestMemory memory, long cr3) {
        this.memory = java.util.Objects.requireNonNull(memory, "memory");
        this.pml4 = cr3 & PTE_ADDRESS_MASK;
    }

    /**
     * The translator for a vCPU's current paging mode: identity with paging off, this 4-level walk in long
     * mode, and a translator that refuses everything otherwise (32-bit paging is not supported).
     *
     * @param memory the guest's memory
     * @param cr0 the vCPU's CR0
     * @param cr3 the vCPU's CR3
     * @param cr4 the vCPU's CR4
     * @param efer the vCPU's EFER
     * @return the translator
     */
    public static GuestAddressTranslator forCpuState(GuestMemory memory, long cr0, long cr3, long cr4, long efer) {
        if ((cr0 & CR0_PG) == 0) {
            return IDENTITY;
        }
        if ((efer & EFER_LMA) != 0 && (cr4 & CR4_PAE) != 0) {
            return new GuestPageWalk(memory, cr3);
        }
        return (address, length) -> INVALID;
    }

    @Override
    public long toGuestPhysical(long address, long length) {
        // UNTRUSTED: address and length come from guest registers or guest memory
        if (length < 0 || length > memory.byteSize()) {
            return INVALID;
        }
        long gpa = translate(address);
        if (gpa == INVALID || length <= 1) {
            return gpa;
        }
        long last;
        try {
            last = Math.addExact(address, length - 1);
        } catch (ArithmeticException overflow) {
            return INVALID;
        }
        // every further page the range touches must follow physically (the SPI's contiguous range)
        for (long page = (address & ~PAGE_MASK) + GuestMemory.PAGE_SIZE;
                Long.compareUnsigned(page, last) <= 0 && page != 0; page += GuestMemory.PAGE_SIZE) {
            long next = translate(page);
            if (next == INVALID || next != gpa + (page - address)) {
                return INVALID;
            }
        }
        return gpa;
    }

    /**
     * Translates one address.
     *
     * @param address a guest-virtual address (untrusted)
     * @return its guest-physical address, or {@link #INVALID}
     */
    public long translate(long address) {
        // canonical: bits 63:47 all equal
        long top = address >> 47;
        if (top != 0 && top != -1) {
            return INVALID;
        }
        long table = pml4;
        for (int level = 4; level >= 1; level--) {
            int shift = PAGE_SHIFT + 9 * (level - 1);
            long index = (address >>> shift) & 0x1FF;
            long entryGpa = table + index * 8;
            if (!memory.contains(entryGpa, 8)) {
                return INVALID;
            }
            // UNTRUSTED: the guest owns its page tables; read each entry once and decide on the copy
            long entry = memory.getLong(entryGpa);
            if ((entry & PTE_PRESENT) == 0) {
                return INVALID;
            }
            if ((entry & PTE_PAGE_SIZE) != 0 && (level == 3 || level == 2)) {
                long pageMask = (1L << shift) - 1;
                long base = entry & PTE_ADDRESS_MASK & ~pageMask;
                return checked(base | (address & pageMask));
            }
            if ((entry & PTE_PAGE_SIZE) != 0 && level == 4) {
                return INVALID;   // PS is reserved in a PML4 entry
            }
            table = entry & PTE_ADDRESS_MASK;
        }
        return checked(table | (address & PAGE_MASK));
    }

    private long checked(long gpa) {
        return memory.contains(gpa, 1) ? gpa : INVALID;
    }
}
