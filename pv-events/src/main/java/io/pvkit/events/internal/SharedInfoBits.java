package io.pvkit.events.internal;

import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.evtchn.VcpuInfoLayout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;

/**
 * The 2-level event-channel bits of one domain's {@code shared_info} page, accessed only through
 * {@link MemoryAccess} (pv-abi's one shared-memory seam, which {@link GuestMemory} implements), so that a
 * test can put a hostile view (the conformance kit's {@code HostileMemory}) between pv-events and the page.
 *
 * <p>Every read-modify-write is a {@code VarHandle} volatile RMW on an aligned word, i.e. a LOCKed
 * instruction on x86 and a full fence, as Xen's {@code guest_test_and_set_bit} is. The 8-bit
 * {@code evtchn_upcall_pending} is updated through its containing 32-bit word.
 *
 * <p>UNTRUSTED: the whole page is writable by the guest at any time. Every value read here is used
 * only as a bit (never as an index or a size), so any content is safe for the hypervisor.
 */
public final class SharedInfoBits {
    private final MemoryAccess memory;
    private final long base;
    private final int vcpus;

    /**
     * A view of {@code shared_info} at {@code gpa}.
     *
     * @param memory the domain's memory
     * @param sharedInfoGfn the frame that holds {@code shared_info}
     * @param vcpus the number of vCPUs (at most 32: their {@code vcpu_info} lives in {@code shared_info})
     * @throws IllegalArgumentException on a bad vCPU count or a frame outside {@code memory}
     */
    public SharedInfoBits(MemoryAccess memory, long sharedInfoGfn, int vcpus) {
        if (vcpus < 1 || vcpus > SharedInfoLayout.LEGACY_MAX_VCPUS) {
            throw new IllegalArgumentException("vcpus must be 1.." + SharedInfoLayout.LEGACY_MAX_VCPUS + ", got " + vcpus);
        }
        if (sharedInfoGfn < 0 || sharedInfoGfn > (Long.MAX_VALUE >>> GuestMemory.PAGE_SHIFT)
                || !memory.contains(GuestMemory.gpaOf(sharedInfoGfn), GuestMemory.PAGE_SIZE)) {
            throw new IllegalArgumentException("shared_info frame " + sharedInfoGfn + " is not inside the memory");
        }
        this.memory = memory;
        this.base = GuestMemory.gpaOf(sharedInfoGfn);
        this.vcpus = vcpus;
    }

    public MemoryAccess memory() {
        return memory;
    }

    public int vcpus() {
        return vcpus;
    }

    private long pendingWord(int port) {
        return base + SharedInfoLayout.EVTCHN_PENDING_OFFSET + ((long) (port >>> 6) << 3);
    }

    private long maskWord(int port) {
        return base + SharedInfoLayout.EVTCHN_MASK_OFFSET + ((long) (port >>> 6) << 3);
    }

    private long vcpuInfo(int vcpu) {
        return base + SharedInfoLayout.vcpuInfoOffset(vcpu);
    }

    private static long bit(int port) {
        return 1L << (port & 63);
    }

    /** Atomically sets pending[port]; returns whether it was already set. */
    public boolean testAndSetPending(int port) {
        return (memory.getAndBitwiseOrLong(pendingWord(port), bit(port)) & bit(port)) != 0;
    }

    /** Atomically clears pending[port]; returns whether it was set. */
    public boolean testAndClearPending(int port) {
        return (memory.getAndBitwiseAndLong(pendingWord(port), ~bit(port)) & bit(port)) != 0;
    }

    /** Reads pending[port] (volatile). */
    public boolean isPending(int port) {
        return (memory.getLongVolatile(pendingWord(port)) & bit(port)) != 0;
    }

    /** Reads mask[port] (volatile). */
    public boolean isMasked(int port) {
        return (memory.getLongVolatile(maskWord(port)) & bit(port)) != 0;
    }

    /** Atomically sets mask[port]; returns whether it was already set. */
    public boolean testAndSetMask(int port) {
        return (memory.getAndBitwiseOrLong(maskWord(port), bit(port)) & bit(port)) != 0;
    }

    /** Atomically clears mask[port]; returns whether it was set. */
    public boolean testAndClearMask(int port) {
        return (memory.getAndBitwiseAndLong(maskWord(port), ~bit(port)) & bit(port)) != 0;
    }

    /** Reads pending word {@code word} (volatile). */
    public long pendingWord64(int word) {
        return memory.getLongVolatile(base + SharedInfoLayout.EVTCHN_PENDING_OFFSET + ((long) word << 3));
    }

    /** Reads mask word {@code word} (volatile). */
    public long maskWord64(int word) {
        return memory.getLongVolatile(base + SharedInfoLayout.EVTCHN_MASK_OFFSET + ((long) word << 3));
    }

    /** Atomically sets selector bit {@code word} of {@code vcpu}; returns whether it was already set. */
    public boolean testAndSetSelector(int vcpu, int word) {
        long b = 1L << word;
        return (memory.getAndBitwiseOrLong(vcpuInfo(vcpu) + VcpuInfoLayout.PENDING_SEL_OFFSET, b) & b) != 0;
    }

    /** Atomically swaps the selector of {@code vcpu} to 0 (a full fence); returns the old selector. */
    public long swapSelector(int vcpu) {
        return memory.getAndSetLong(vcpuInfo(vcpu) + VcpuInfoLayout.PENDING_SEL_OFFSET, 0L);
    }

    /** Reads the selector of {@code vcpu} (volatile). */
    public long selector(int vcpu) {
        return memory.getLongVolatile(vcpuInfo(vcpu) + VcpuInfoLayout.PENDING_SEL_OFFSET);
    }

    /** Atomically sets bit 0 of {@code evtchn_upcall_pending}; returns whether it was already set. */
    public boolean testAndSetUpcallPending(int vcpu) {
        return (memory.getAndBitwiseOrByte(vcpuInfo(vcpu) + VcpuInfoLayout.UPCALL_PENDING_OFFSET, 1) & 1) != 0;
    }

    /** Atomically clears {@code evtchn_upcall_pending} (a full fence). */
    public void clearUpcallPending(int vcpu) {
        memory.getAndBitwiseAndByte(vcpuInfo(vcpu) + VcpuInfoLayout.UPCALL_PENDING_OFFSET, 0);
    }

    /** Reads {@code evtchn_upcall_pending} (volatile, through the containing word). */
    public boolean isUpcallPending(int vcpu) {
        long off = vcpuInfo(vcpu) + VcpuInfoLayout.UPCALL_PENDING_OFFSET;
        int shift = (int) (off & 3) * 8;
        return ((memory.getIntVolatile(off & ~3L) >>> shift) & 0xFF) != 0;
    }

    /**
     * Xen's {@code evtchn_2l_set_pending}: test-and-set pending (stop if it was set); if not masked,
     * test-and-set the selector bit of {@code vcpu}; if that was clear, test-and-set upcall_pending.
     *
     * @return true when upcall_pending went from 0 to 1 (the caller must kick the vCPU)
     */
    public boolean setPending(int port, int vcpu) {
        // ORDERING: each step is a full-fence RMW; the guest clears upcall_pending before it swaps the
        // selector, and acks pending before it runs the handler, so no edge is lost (Xen event_2l.c).
        if (testAndSetPending(port)) {
            return false;
        }
        // UNTRUSTED: mask is guest-owned; used only as a bit.
        if (!isMasked(port) && !testAndSetSelector(vcpu, port >>> 6)) {
            return !testAndSetUpcallPending(vcpu);
        }
        return false;
    }

    /**
     * Xen's {@code evtchn_2l_unmask}: if test-and-clear mask and pending and not test-and-set the
     * selector bit, test-and-set upcall_pending.
     *
     * @return true when upcall_pending went from 0 to 1 (the caller must kick the vCPU)
     */
    public boolean unmask(int port, int vcpu) {
        // ORDERING: full-fence RMWs in Xen's order; pairs with setPending's pending-then-mask test.
        if (testAndClearMask(port) && isPending(port) && !testAndSetSelector(vcpu, port >>> 6)) {
            return !testAndSetUpcallPending(vcpu);
        }
        return false;
    }
}
