package io.pvkit.conformance.domain;

import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.EvtchnStatus;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
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
    private final List<Guest> guests = new ArrayList<>();
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
        Guest g = new Guest(nextDomid++, GuestMemory.allocate(config.frames()));
        DomainSpec spec = new DomainSpec(g.domid, g.memory, 1, false);
        channels.addDomain(spec, 0, v -> { });
        tables.addDomain(spec, config.frames() - TABLE_FRAMES, TABLE_FRAMES);
        guests.add(g);
        return g;
    }

    @Override
    public void destroyDomain(DomainUnderTest domain) {
        Guest g = (Guest) domain;
        if (!guests.remove(g)) {
            return;
        }
        if (!flaws.contains(Flaw.MAPPINGS_KEPT)) {
            tables.markDying(g.domid);
        }
        if (!flaws.contains(Flaw.PORTS_STAY_BOUND)) {
            while (!channels.releaseDomain(g.domid, 64)) {
                Thread.onSpinWait();
            }
        }
        if (!flaws.contains(Flaw.MAPPINGS_KEPT)) {
            for (int spins = 0; !tables.releaseDomain(g.domid, 64) && spins < 10_000; spins++) {
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
        for (Guest g : List.copyOf(guests)) {
            destroyDomain(g);
        }
    }

    private final class Guest implements DomainUnderTest {
        final int domid;
        final GuestMemory memory;

        Guest(int domid, GuestMemory memory) {
            this.domid = domid;
            this.memory = memory;
        }

        @Override
        public int domid() {
            return domid;
        }

        @Override
        public boolean privileged() {
            return false;
        }

        @Override
        public int vcpus() {
            return 1;
        }

        @Override
        public GuestMemory memory() {
            return memory;
        }

        @Override
        public long hypercall(int vcpu, long op, long a1, long a2, long a3, long a4, long a5) {
            HypercallContext c = HypercallContext.of(domid, vcpu, false, memory);
            if (op == HypercallOp.GRANT_TABLE_OP.number()) {
                long size = GrantTableOp.of(a1).map(x -> x.argLayout().byteSize()).orElse(0L);
                long rc;
                long uops = a2;
                long count = a3;
                while ((rc = grantOps.grantTableOp(c, a1, uops, count)) > 0) {
                    uops += rc * size;
                    count -= rc;
                }
                return rc;
            }
            if (op == HypercallOp.EVENT_CHANNEL_OP.number()) {
                return eventOps.hypercall(c, op, a1, a2, a3, a4, a5);
            }
            return XenErrno.ENOSYS.negated();
        }
    }
}
