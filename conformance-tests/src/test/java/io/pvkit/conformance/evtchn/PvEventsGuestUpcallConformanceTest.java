package io.pvkit.conformance.evtchn;

import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.events.UpcallDemultiplexer;
import java.util.function.IntConsumer;

/** pv-events' {@link UpcallDemultiplexer} passes the guest-side verification. */
class PvEventsGuestUpcallConformanceTest extends GuestUpcallVerification {

    /** The adapter from the kit's guest SPI to {@link UpcallDemultiplexer}. */
    static GuestVcpuUnderTest adapt(UpcallDemultiplexer demux) {
        return new GuestVcpuUnderTest() {
            @Override
            public void register(int port, IntConsumer handler) {
                demux.register(port, handler::accept);
            }

            @Override
            public void mask(int port) {
                demux.mask(port);
            }

            @Override
            public void unmask(int port) {
                demux.unmask(port);
            }

            @Override
            public void handleUpcall() {
                demux.handleUpcall();
            }

            @Override
            public void unregister(int port) {
                demux.unregister(port);
            }
        };
    }

    /**
     * pv-events' documented bound (UpcallDemultiplexer: a flooding peer costs at most 2 x {@code maxRounds} handler
     * calls per port per upcall; the resume word is visited twice per round), instead of the kit's generous default.
     */
    @Override
    protected int maxStormCallsPerUpcall() {
        return 2 * UpcallDemultiplexer.DEFAULT_MAX_ROUNDS;
    }

    @Override
    protected GuestVcpuUnderTest createGuest(MemoryAccess memory, long sharedInfoGfn, int vcpu) {
        return adapt(new UpcallDemultiplexer(memory, sharedInfoGfn, vcpu));
    }

    /** One demultiplexer per vCPU, each unmasking the other's ports through the kit's EVTCHNOP_unmask (EVTG-06). */
    @Override
    protected GuestVcpuUnderTest createGuestVcpu(MemoryAccess memory, long sharedInfoGfn, int vcpu,
            UnmaskHypercall unmaskHypercall) {
        return adapt(new UpcallDemultiplexer(memory, sharedInfoGfn, vcpu, UpcallDemultiplexer.DEFAULT_MAX_ROUNDS,
                unmaskHypercall::unmask));
    }
}
