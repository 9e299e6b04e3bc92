package io.pvkit.hypervisor;

import io.pvkit.hypervisor.internal.DomainRecord;
import io.pvkit.hypervisor.internal.MemoryMap;
import io.pvkit.process.Admission;
import io.pvkit.process.GuestHost;
import io.pvkit.process.GuestRequest;
import io.pvkit.process.GuestSession;
import io.pvkit.process.SealedGuestMemory;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * The reference hypervisor as pv-process's {@link GuestHost}: builds a domain for each guest process in a
 * sealed memfd (the same builder path as an in-process guest, without a vCPU thread of ours), wires the
 * session's upcall kick into the domain's vCPU kicker, and destroys the domain when the process goes away.
 */
final class ProcessGuests implements GuestHost {
    private static final System.Logger LOG = System.getLogger("io.pvkit.hypervisor");

    private final Hypervisor hypervisor;
    private final GuestPolicy policy;
    private final Consumer<GuestEvent> events;

    ProcessGuests(Hypervisor hypervisor, GuestPolicy policy, Consumer<GuestEvent> events) {
        this.hypervisor = hypervisor;
        this.policy = Objects.requireNonNull(policy, "policy");
        this.events = events == null ? e -> { } : events;
    }

    @Override
    public Admission admit(GuestRequest request) {
        DomainConfig config = policy.configFor(request);
        if (config == null || config.entry() != null) {
            throw new IllegalArgumentException("a process guest's configuration has no entry point");
        }
        if (config.vcpus() > request.vcpus()) {
            throw new IllegalArgumentException("more vCPUs than the guest asked for");
        }
        SealedGuestMemory memory = SealedGuestMemory.create("pvkit-" + config.name(),
                MemoryMap.of(config.memoryFrames()).totalFrames());
        DomainRecord d = null;
        try {
            d = hypervisor.buildProcessDomain(config, memory.memory());
            return new Admission(d.domid, d.privileged, memory, d.vcpus, d.map.startInfoGpa(), hypervisor.dispatcher());
        } catch (RuntimeException e) {
            if (d != null) {
                hypervisor.destroyDomain(d.domid);
            }
            memory.close();
            throw e;
        }
    }

    @Override
    public void sessionStarted(GuestSession session) {
        DomainRecord d = hypervisor.processDomainStarted(session);
        notify(new GuestEvent(GuestEvent.Kind.JOINED, Hypervisor.infoOf(d), ""));
    }

    @Override
    public void guestGone(GuestSession session, String reason) {
        DomainInfo last = hypervisor.processDomainGone(session, reason);
        if (last != null) {
            notify(new GuestEvent(GuestEvent.Kind.LEFT, last, reason));
        }
    }

    private void notify(GuestEvent e) {
        try {
            events.accept(e);
        } catch (RuntimeException ex) {
            LOG.log(System.Logger.Level.WARNING, "guest event listener failed", ex);
        }
    }
}
