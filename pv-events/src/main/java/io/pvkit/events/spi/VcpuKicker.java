package io.pvkit.events.spi;

/**
 * How the platform wakes a vCPU after pv-events raised its {@code evtchn_upcall_pending} from 0 to 1
 * (Xen's {@code vcpu_kick}).
 *
 * <p>One kicker is registered per domain. Two standard shapes:
 * <ul>
 *   <li>a vCPU that is a thread of this process is unparked
 *       ({@link io.pvkit.events.ThreadVcpuKicker});</li>
 *   <li>a vCPU in another process polls its {@code vcpu_info} with an {@link io.pvkit.abi.spi.IdleStrategy}
 *       ({@link io.pvkit.events.UpcallDemultiplexer#awaitUpcall(io.pvkit.abi.spi.IdleStrategy)}),
 *       so the kick itself is {@link #POLLING} (nothing to do: the flag in shared memory is the signal).</li>
 * </ul>
 *
 * <p>Contract: called on the sending thread while pv-events holds its lock, so it must not block and
 * must not call back into pv-events. It may be called for a vCPU that is running or already awake.
 */
@FunctionalInterface
public interface VcpuKicker {
    /** A kicker that does nothing: the target polls its {@code vcpu_info}. */
    VcpuKicker POLLING = vcpu -> { };

    /**
     * Wakes {@code vcpu} of the domain this kicker was registered for.
     *
     * @param vcpu the vCPU index
     */
    void kick(int vcpu);
}
