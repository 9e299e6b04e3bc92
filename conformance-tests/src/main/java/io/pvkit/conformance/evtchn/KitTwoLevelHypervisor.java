package io.pvkit.conformance.evtchn;

import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.evtchn.VcpuInfoLayout;
import io.pvkit.abi.memory.MemoryAccess;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The kit playing Xen's side of the 2-level ABI for the guest rules ({@link GuestUpcallVerification}): it raises
 * ports on the real {@code shared_info} page exactly as {@code evtchn_2l_set_pending} does, and answers the guest's
 * {@code EVTCHNOP_unmask} as {@code evtchn_unmask} + {@code evtchn_2l_unmask} do, on the port's notify vCPU, counting
 * the kicks ({@code vcpu_mark_events_pending}: a kick when {@code evtchn_upcall_pending} goes from 0 to 1) and
 * recording each call. The notify vCPU of each port is the kit's own binding table (every port on vCPU 0 until a rule
 * binds it elsewhere).
 */
final class KitTwoLevelHypervisor {

    private static final long EINVAL = XenErrno.EINVAL.negated();

    private final MemoryAccess page;
    private final int[] notifyVcpu = new int[SharedInfoLayout.NR_2L_CHANNELS];
    private final AtomicIntegerArray kicks = new AtomicIntegerArray(SharedInfoLayout.LEGACY_MAX_VCPUS);
    private final List<String> unmaskCalls = new CopyOnWriteArrayList<>();

    /**
     * Xen's side over {@code page} (the real page, never the guest's hostile view of it).
     *
     * @param page the memory whose offset 0 holds {@code shared_info}
     */
    KitTwoLevelHypervisor(MemoryAccess page) {
        this.page = page;
    }

    /** Binds {@code port} to {@code vcpu} (Xen's {@code EVTCHNOP_bind_vcpu}: its notify vCPU). */
    void bindVcpu(int port, int vcpu) {
        notifyVcpu[port] = vcpu;
    }

    /** Xen's {@code evtchn_2l_set_pending} on the port's notify vCPU (no kick is counted: the guest is running). */
    void raise(int port) {
        long word = (port >>> 6) * 8L;
        long bit = 1L << (port & 63);
        if ((page.getAndBitwiseOrLong(SharedInfoLayout.EVTCHN_PENDING_OFFSET + word, bit) & bit) != 0) {
            return;
        }
        if ((page.getLongVolatile(SharedInfoLayout.EVTCHN_MASK_OFFSET + word) & bit) != 0) {
            return;
        }
        markPending(notifyVcpu[port], port >>> 6, false);
    }

    /**
     * The {@code EVTCHNOP_unmask} of {@code caller}: Xen's {@code evtchn_unmask} (a port outside the 2-level range is
     * {@code -EINVAL}) and {@code evtchn_2l_unmask} on the port's notify vCPU, whoever calls.
     */
    long unmask(int caller, int port) {
        unmaskCalls.add("vCPU " + caller + ": EVTCHNOP_unmask(" + port + ")");
        if (port <= 0 || port >= SharedInfoLayout.NR_2L_CHANNELS) {
            return EINVAL;
        }
        long word = (port >>> 6) * 8L;
        long bit = 1L << (port & 63);
        if ((page.getAndBitwiseAndLong(SharedInfoLayout.EVTCHN_MASK_OFFSET + word, ~bit) & bit) != 0
                && (page.getLongVolatile(SharedInfoLayout.EVTCHN_PENDING_OFFSET + word) & bit) != 0) {
            markPending(notifyVcpu[port], port >>> 6, true);
        }
        return 0;
    }

    /** The selector bit, then {@code evtchn_upcall_pending} when the bit was clear; a kick when the flag went 0 to 1. */
    private void markPending(int vcpu, int word, boolean kick) {
        long vi = SharedInfoLayout.vcpuInfoOffset(vcpu);
        long sel = 1L << word;
        if ((page.getAndBitwiseOrLong(vi + VcpuInfoLayout.PENDING_SEL_OFFSET, sel) & sel) != 0) {
            return;
        }
        if ((page.getAndBitwiseOrByte(vi + VcpuInfoLayout.UPCALL_PENDING_OFFSET, (byte) 1) & 1) == 0 && kick) {
            kicks.incrementAndGet(vcpu);
        }
    }

    /** The kicks of {@code vcpu} the kit's {@code EVTCHNOP_unmask} made so far. */
    int kicks(int vcpu) {
        return kicks.get(vcpu);
    }

    /** Every {@code EVTCHNOP_unmask} the guest made so far, in order. */
    List<String> unmaskCalls() {
        return List.copyOf(unmaskCalls);
    }

    long selector(int vcpu) {
        return page.getLongVolatile(SharedInfoLayout.vcpuInfoOffset(vcpu) + VcpuInfoLayout.PENDING_SEL_OFFSET);
    }

    boolean upcallPending(int vcpu) {
        return page.getByte(SharedInfoLayout.vcpuInfoOffset(vcpu) + VcpuInfoLayout.UPCALL_PENDING_OFFSET) != 0;
    }

    boolean pending(int port) {
        return bit(SharedInfoLayout.EVTCHN_PENDING_OFFSET, port);
    }

    boolean masked(int port) {
        return bit(SharedInfoLayout.EVTCHN_MASK_OFFSET, port);
    }

    private boolean bit(long base, int port) {
        return (page.getLongVolatile(base + (port >>> 6) * 8L) & (1L << (port & 63))) != 0;
    }
}
