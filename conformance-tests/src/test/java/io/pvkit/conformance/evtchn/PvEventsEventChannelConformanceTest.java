package io.pvkit.conformance.evtchn;

import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import java.util.List;

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

    @Override
    protected boolean installPreemptionProbe(HypervisorUnderTest hypervisor, Runnable probe) {
        ((EventsHypervisor) hypervisor).channels.onPreemptionPoint(probe);
        return true;
    }

    @Override
    protected List<Throwable> unexpectedErrors(HypervisorUnderTest hypervisor) {
        return ((EventsHypervisor) hypervisor).errors();
    }

    @Override
    protected boolean raiseVirq(HypervisorUnderTest hypervisor, DomainUnderTest domain, int vcpu, int virq) {
        ((EventsHypervisor) hypervisor).channels.raiseVirq(domain.domid(), vcpu, virq);
        return true;
    }
}
