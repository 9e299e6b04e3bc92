package io.pvkit.conformance.domain;

import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.evtchn.EvtchnStatus;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.LibraryGuest;
import io.pvkit.conformance.spi.Capability;
import io.pvkit.conformance.spi.DomainConfig;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import io.pvkit.conformance.spi.ResourceCounts;
import io.pvkit.events.EventChannelHypercalls;
import io.pvkit.events.EventChannels;
import io.pvkit.grant.GrantTableHypercall;
import io.pvkit.grant.GrantTables;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The DOM self-tests' hypervisor: pv-events and pv-grant directly, guests whose hypercalls go to
 * {@code event_channel_op} and {@code grant_table_op}, grant tables in each guest's top 4 frames. Its
 * destruction is correct (the domain is marked dying, then its ports and grants are released) unless a
 * {@link Flaw} says otherwise.
 */
final class DeathTestHypervisor implements HypervisorUnderTest {
    /** A deliberate mistake in domain destruction. */
    enum Flaw {
        /** Destruction releases the grants but forgets the event channels: peers stay interdomain. */
        PORTS_STAY_BOUND,
        /** Destruction releases the ports but leaves the grant table alone: the dead domain's mappings stay. */
        MAPPINGS_KEPT,
        /** Destruction releases everything but the domain stays in the domain count. */
        DOMAIN_RECORD_LEAKS
    }

    private static final int TABLE_FRAMES = 4;

    private final Set<Flaw> flaws;
    private final GrantTables tables = new GrantTables();
    private final GrantTableHypercall grantOps = new GrantTableHypercall(tables);
    private final EventChannels channels = new EventChannels();
    private final EventChannelHypercalls eventOps = new EventChannelHypercalls(channels);
    private final List<LibraryGuest> guests = new ArrayList<>();
    private int leakedRecords;
    private int nextDomid = 1;

    DeathTestHypervisor(Set<Flaw> flaws) {
        this.flaws = flaws.isEmpty() ? EnumSet.noneOf(Flaw.class) : EnumSet.copyOf(flaws);
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.RESOURCE_COUNTS);
    }

    @Override
    public DomainUnderTest createDomain(DomainConfig config) {
        LibraryGuest g = new LibraryGuest(nextDomid++, GuestMemory.allocate(config.frames()), grantOps, eventOps);
        DomainSpec spec = new DomainSpec(g.domid(), g.memory(), 1, false);
        channels.addDomain(spec, 0, v -> { });
        tables.addDomain(spec, config.frames() - TABLE_FRAMES, TABLE_FRAMES);
        guests.add(g);
        return g;
    }

    @Override
    public void destroyDomain(DomainUnderTest domain) {
        LibraryGuest g = (LibraryGuest) domain;
        if (!guests.remove(g)) {
            return;
        }
        if (!flaws.contains(Flaw.MAPPINGS_KEPT)) {
            tables.markDying(g.domid());
        }
        if (!flaws.contains(Flaw.PORTS_STAY_BOUND)) {
            while (!channels.releaseDomain(g.domid(), 64)) {
                Thread.onSpinWait();
            }
        }
        if (!flaws.contains(Flaw.MAPPINGS_KEPT)) {
            for (int spins = 0; !tables.releaseDomain(g.domid(), 64) && spins < 10_000; spins++) {
                tables.reap();
            }
        }
        if (flaws.contains(Flaw.DOMAIN_RECORD_LEAKS)) {
            leakedRecords++;
        }
    }

    @Override
    public ResourceCounts resourceCounts() {
        int domains = leakedRecords;
        int ports = 0;
        int mappings = 0;
        for (int domid = 1; domid < nextDomid; domid++) {
            if (!channels.hasDomain(domid) && !tables.hasDomain(domid)) {
                continue;
            }
            domains++;
            int limit = channels.portLimit(domid);
            for (int port = 1; port < limit; port++) {
                if (channels.inspect(domid, port).state() != EvtchnStatus.CLOSED) {
                    ports++;
                }
            }
            mappings += tables.hasDomain(domid) ? tables.mappingCount(domid) : 0;
        }
        return new ResourceCounts(domains, ports, mappings);
    }

    @Override
    public void close() {
        for (LibraryGuest g : List.copyOf(guests)) {
            destroyDomain(g);
        }
    }
}
