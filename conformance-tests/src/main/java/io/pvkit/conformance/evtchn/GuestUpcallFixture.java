package io.pvkit.conformance.evtchn;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.evtchn.VcpuInfoLayout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.hostile.HostileMemory;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The hooks and the fixture of the guest-side verification: what a guest implementation supplies (its upcall code per
 * vCPU, settings) and what every rule starts from (a fresh {@code shared_info} page, the guest's hostile view of it,
 * and the kit playing Xen's side of the 2-level ABI on it). Do not extend this class directly: extend
 * {@link GuestUpcallVerification}, which holds the rules.
 */
public abstract class GuestUpcallFixture {

    /** The guest's event-channel code for one vCPU, as the kit drives it. */
    public interface GuestVcpuUnderTest {
        /**
         * Registers the handler of a port bound to this vCPU; does not change its mask bit.
         *
         * @param port the port
         * @param handler called with the port for each event delivered
         */
        void register(int port, IntConsumer handler);

        /**
         * Masks a port (the guest sets its mask bit).
         *
         * @param port the port
         */
        void mask(int port);

        /**
         * Unmasks a port the way the guest does locally (for Linux: {@code evtchn_2l_unmask}).
         *
         * @param port the port
         */
        void unmask(int port);

        /** Handles one upcall on this vCPU (returns when the guest would return from the upcall). */
        void handleUpcall();

        /**
         * Drops the handler of a port the guest is closing and masks the port (for Linux:
         * {@code unbind_from_irqhandler}, whose {@code free_irq} masks the event channel); may be called from
         * inside a handler, including the port's own. The default does not support it ({@code EVTG-03} is then
         * skipped).
         *
         * @param port the port
         * @throws UnsupportedOperationException when not supported
         */
        default void unregister(int port) {
            throw new UnsupportedOperationException("unregister");
        }
    }

    /**
     * The hypervisor's {@code EVTCHNOP_unmask} as one vCPU of the guest issues it: the path a guest takes to unmask a
     * port bound to another of its vCPUs (Linux's {@code evtchn_2l_unmask}, {@code cpu != cpu_from_evtchn(port)}).
     * The kit answers it as Xen does: it clears the mask bit and, when the port is pending, sets the selector bit and
     * {@code evtchn_upcall_pending} of the port's notify vCPU and kicks that vCPU.
     */
    @FunctionalInterface
    public interface UnmaskHypercall {
        /**
         * {@code EVTCHNOP_unmask} of {@code port}, issued by the vCPU this path was given to.
         *
         * @param port the port
         * @return 0, or a negated errno ({@code -EINVAL} for a port outside 1..4095)
         */
        long unmask(int port);
    }

    /** The real page. */
    GuestMemory memory;
    /** What the guest under test reads and writes: the real page behind a hostile peer's view. */
    HostileMemory hostile;
    /** The guest code of vCPU 0 under test. */
    GuestVcpuUnderTest guest;
    /** The kit's side of the ABI on the real page: raising ports, answering EVTCHNOP_unmask, counting kicks. */
    KitTwoLevelHypervisor xen;

    /** For subclasses. */
    protected GuestUpcallFixture() {
    }

    /**
     * Creates the guest code under test for {@code vcpu}, over {@code memory} whose frame
     * {@code sharedInfoGfn} holds {@code shared_info} (all ports unmasked, nothing pending). The guest must
     * make every access to the page through {@code memory}: the kit's hostile peer acts between its reads.
     *
     * @param memory the guest's memory (one frame), a {@link HostileMemory} over the real page
     * @param sharedInfoGfn the frame of {@code shared_info} (0)
     * @param vcpu the vCPU (0)
     * @return the guest under test
     */
    protected abstract GuestVcpuUnderTest createGuest(MemoryAccess memory, long sharedInfoGfn, int vcpu);

    /**
     * Capability hook for {@code EVTG-06}: creates the guest code for {@code vcpu} of a guest with two vCPUs, both over
     * the same {@code memory}. A port is bound to the vCPU whose guest code registered it; {@code unmaskHypercall} is
     * this vCPU's {@code EVTCHNOP_unmask}, which the kit answers as Xen does (and records), for the guest to unmask a
     * port bound to the other vCPU. The kit calls it for vCPU 0 and then vCPU 1 and drives both from the test's
     * thread (one at a time, as two vCPUs that take turns).
     *
     * @param memory the guest's memory (one frame), a {@link HostileMemory} over the real page
     * @param sharedInfoGfn the frame of {@code shared_info} (0)
     * @param vcpu the vCPU (0 or 1)
     * @param unmaskHypercall this vCPU's {@code EVTCHNOP_unmask}
     * @return the guest code of {@code vcpu}, or null (default) when the guest has one vCPU or no hypercall path
     *     ({@code EVTG-06} is skipped)
     */
    protected GuestVcpuUnderTest createGuestVcpu(MemoryAccess memory, long sharedInfoGfn, int vcpu,
            UnmaskHypercall unmaskHypercall) {
        return null;
    }

    /**
     * The most handler calls of one storming port the guest may make in one upcall (default 64).
     *
     * @return the bound
     */
    protected int maxStormCallsPerUpcall() {
        return 64;
    }

    /** Creates the page and the guest. */
    @BeforeEach
    public void setUpGuest() {
        memory = GuestMemory.allocate(1);
        hostile = new HostileMemory(memory);
        xen = new KitTwoLevelHypervisor(memory);
        guest = createGuest(hostile, 0, 0);
        assertNotNull(guest, "createGuest() returned null");
    }

    /** Frees the page. */
    @AfterEach
    public void tearDownGuest() {
        if (memory != null) {
            memory.close();
        }
    }

    // ------------------------------------------------------------------------------------ helpers

    void clearPending(int port) {
        memory.getAndBitwiseAndLong(SharedInfoLayout.EVTCHN_PENDING_OFFSET + (port >>> 6) * 8L, ~(1L << (port & 63)));
    }

    /** Xen's {@code evtchn_2l_set_pending} on the port's notify vCPU (vCPU 0 unless a rule bound it elsewhere). */
    void raise(int port) {
        xen.raise(port);
    }

    boolean upcallPendingFlag() {
        return memory.getByte(SharedInfoLayout.vcpuInfoOffset(0) + VcpuInfoLayout.UPCALL_PENDING_OFFSET) != 0;
    }

    /** A hostile peer selects {@code port}'s word and raises the upcall whatever the port's mask says. */
    void forceSelected(int port) {
        long vi = SharedInfoLayout.vcpuInfoOffset(0);
        memory.getAndBitwiseOrLong(vi + VcpuInfoLayout.PENDING_SEL_OFFSET, 1L << (port >>> 6));
        memory.getAndBitwiseOrByte(vi + VcpuInfoLayout.UPCALL_PENDING_OFFSET, (byte) 1);
    }

    boolean isPending(int port) {
        return (memory.getLongVolatile(SharedInfoLayout.EVTCHN_PENDING_OFFSET + (port >>> 6) * 8L)
                & (1L << (port & 63))) != 0;
    }
}
