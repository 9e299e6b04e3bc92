package io.pvkit.conformance.evtchn;

import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;

/** pv-events passes the event-channel verification. */
class PvEventsEventChannelConformanceTest extends EventChannelVerification {
    @Override
    protected HypervisorUnderTest createHypervisor() {
        return new EventsHypervisor();
    }

    @Override
    protected long sharedInfoGfn(DomainUnderTest domain) {
        return 0;
    }
}
