package io.pvkit.events;

import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.events.spi.VcpuKicker;

/**
 * The two domains most pv-events tests start from, on real memory: domain 0 (privileged, one vCPU) and guest domain 1
 * (the given vCPUs, a 256-port limit), each with two frames and its {@code shared_info} at frame 1, registered with
 * one {@link EventChannels} and a polling kicker. Closing it closes both memories.
 */
final class DomainPair implements AutoCloseable {
    final GuestMemory dom0Mem = GuestMemory.allocate(2);
    final GuestMemory guestMem = GuestMemory.allocate(2);
    final EventChannels evtchn = new EventChannels();

    /** @param guestVcpus domain 1's vCPUs */
    DomainPair(int guestVcpus) {
        evtchn.addDomain(new DomainSpec(0, dom0Mem, 1, true), 1, VcpuKicker.POLLING);
        evtchn.addDomain(new DomainSpec(1, guestMem, guestVcpus, false), 1, VcpuKicker.POLLING, 256);
    }

    @Override
    public void close() {
        dom0Mem.close();
        guestMem.close();
    }
}
