package io.pvkit.cli.kit;

import io.pvkit.conformance.evtchn.EventChannelVerification;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;

/**
 * The reference hypervisor's full dispatch path against the kit's event-channel rules (EVT-xx), with each
 * domain's {@code shared_info} where the domain builder put it, VIRQs raised as the hypervisor's timer and console
 * raise them, and destruction in bounded steps.
 */
public class ReferenceEventChannelConformance extends EventChannelVerification {

    /** For the JUnit Platform. */
    public ReferenceEventChannelConformance() {
    }

    @Override
    protected HypervisorUnderTest createHypervisor() {
        return new ReferenceHypervisorPort();
    }

    /** Teardown's preemption points, through {@link io.pvkit.hypervisor.Hypervisor#onPreemptionPoint}. */
    @Override
    protected boolean installPreemptionProbe(HypervisorUnderTest hypervisor, Runnable probe) {
        ((ReferenceHypervisorPort) hypervisor).hypervisor().onPreemptionPoint(probe);
        return true;
    }

    /** {@link io.pvkit.hypervisor.Hypervisor#raiseVirq}: what the hypervisor's timer and console do. */
    @Override
    protected boolean raiseVirq(HypervisorUnderTest hypervisor, DomainUnderTest domain, int vcpu, int virq) {
        ((ReferenceHypervisorPort) hypervisor).raiseVirq(domain, vcpu, virq);
        return true;
    }

    /** {@link io.pvkit.hypervisor.Hypervisor#destroyDomainStep} with the kit's bound as its budget. */
    @Override
    protected Boolean destroyStep(HypervisorUnderTest hypervisor, DomainUnderTest domain, int maxPorts) {
        return ((ReferenceHypervisorPort) hypervisor).destroyStep(domain, maxPorts);
    }

    @Override
    protected long sharedInfoGfn(DomainUnderTest domain) {
        return ReferenceHypervisorPort.sharedInfoGfn(domain);
    }
}
