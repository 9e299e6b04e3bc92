package io.pvkit.conformance.evtchn;

import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import io.pvkit.events.EventChannels;
import java.util.List;

/**
 * pv-events passes the event-channel verification.
 *
 * <p>{@code -Dpvkit.evt.lockProbeSeconds=N} shortens EVT-19's hang detector (default: the kit's 30 s). The mutation
 * run passes it to PIT's minions ({@code -DjvmArgs=-Dpvkit.evt.lockProbeSeconds=3}, docs/mutation/events.md): a
 * mutant that leaves a lock held then fails EVT-19 in seconds instead of costing a minion time-out and a JVM
 * restart. Any value still detects the same mutants (a left lock never comes free); only the cost differs.
 * {@code -Dpvkit.evt.raceWindowMillis=N} shortens EVT-22's window (default: the kit's 500 ms), which every
 * correct run pays four times; a mutant that lets a close and a send overlap does so within microseconds.
 */
class PvEventsEventChannelConformanceTest extends EventChannelVerification {
    /** The system property that overrides {@link #lockProbeSeconds()}. */
    static final String LOCK_PROBE_PROPERTY = "pvkit.evt.lockProbeSeconds";

    @Override
    protected int lockProbeSeconds() {
        return Math.max(1, Integer.getInteger(LOCK_PROBE_PROPERTY, super.lockProbeSeconds()));
    }
    /** The system property that overrides {@link #raceWindowMillis()} (EVT-22's window; the mutation run shortens it). */
    static final String RACE_WINDOW_PROPERTY = "pvkit.evt.raceWindowMillis";

    @Override
    protected int raceWindowMillis() {
        return Math.max(1, Integer.getInteger(RACE_WINDOW_PROPERTY, super.raceWindowMillis()));
    }

    /** pv-events' documented chunk: reset and release close at most {@link EventChannels#TEARDOWN_CHUNK} ports at once. */
    @Override
    protected int maxPortsPerPreemptionChunk() {
        return EventChannels.TEARDOWN_CHUNK;
    }

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

    /** One {@link EventChannels#releaseDomain} call per step, with the kit's bound as its budget. */
    @Override
    protected Boolean destroyStep(HypervisorUnderTest hypervisor, DomainUnderTest domain, int maxPorts) {
        return ((EventsHypervisor) hypervisor).channels.releaseDomain(domain.domid(), maxPorts);
    }

    @Override
    protected boolean raiseVirq(HypervisorUnderTest hypervisor, DomainUnderTest domain, int vcpu, int virq) {
        ((EventsHypervisor) hypervisor).channels.raiseVirq(domain.domid(), vcpu, virq);
        return true;
    }
}
