package io.pvkit.conformance.blk;

import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.LibraryGuest;
import io.pvkit.conformance.spi.Capability;
import io.pvkit.conformance.spi.DomainConfig;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import io.pvkit.events.EventChannelHypercalls;
import io.pvkit.events.EventChannels;
import io.pvkit.events.EventHandler;
import io.pvkit.events.ThreadVcpuKicker;
import io.pvkit.events.UpcallDemultiplexer;
import io.pvkit.grant.GrantTableHypercall;
import io.pvkit.grant.GrantTables;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The test hypervisor the self-test block backend runs on: pv-grant and pv-events directly, a privileged domain
 * 0 (where {@link MiniBlkback} runs, in this process) whose event channels are delivered by a vCPU thread
 * through pv-events' {@link UpcallDemultiplexer}, and guest domains whose hypercalls go to grant_table_op and
 * event_channel_op. Guests keep {@code shared_info} in frame 0 and their grant table in their top 4 frames.
 */
final class BlkTestHypervisor implements HypervisorUnderTest {
    static final int TABLE_FRAMES = 4;
    private static final int DOM0_FRAMES = 8;

    final GrantTables tables = new GrantTables();
    private final GrantTableHypercall grantOps = new GrantTableHypercall(tables);
    final EventChannels channels = new EventChannels();
    private final EventChannelHypercalls eventOps = new EventChannelHypercalls(channels);
    private final GuestMemory dom0Memory = GuestMemory.allocate(DOM0_FRAMES);
    private final ThreadVcpuKicker dom0Kicker = new ThreadVcpuKicker(1);
    private final UpcallDemultiplexer dom0Events = new UpcallDemultiplexer(dom0Memory, 0, 0);
    private final Thread dom0Vcpu;
    private volatile boolean running = true;
    private final List<LibraryGuest> guests = new ArrayList<>();
    private final List<LibraryGuest> zombies = new ArrayList<>();
    private int nextDomid = 1;

    BlkTestHypervisor() {
        DomainSpec dom0 = new DomainSpec(0, dom0Memory, 1, true);
        channels.addDomain(dom0, 0, dom0Kicker);
        tables.addDomain(dom0, DOM0_FRAMES - TABLE_FRAMES, TABLE_FRAMES);
        dom0Vcpu = Thread.ofPlatform().daemon().name("blk-test-dom0-vcpu0").unstarted(this::dom0Loop);
        dom0Kicker.attach(0, dom0Vcpu);
        dom0Vcpu.start();
    }

    private void dom0Loop() {
        while (running) {
            if (dom0Events.awaitUpcallParked(20_000_000L)) {
                dom0Events.handleUpcall();
            }
        }
    }

    /** Binds dom0 to a guest's unbound port and delivers its events to {@code handler}; returns the port or -errno. */
    int bindDom0(int remoteDom, int remotePort, EventHandler handler) {
        int port = channels.bindInterdomain(0, remoteDom, remotePort);
        if (port > 0) {
            dom0Events.register(port, handler);
            dom0Events.unmask(port);
        }
        return port;
    }

    void unbindDom0(int port) {
        dom0Events.unregister(port);
        channels.close(0, port);
    }

    /** A guest's memory, for broken backends that bypass grants. */
    GuestMemory memoryOf(int domid) {
        for (LibraryGuest g : guests) {
            if (g.domid() == domid) {
                return g.memory();
            }
        }
        throw new IllegalArgumentException("no domain " + domid);
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.noneOf(Capability.class);
    }

    @Override
    public DomainUnderTest createDomain(DomainConfig config) {
        if (config.privileged()) {
            throw new UnsupportedOperationException("no privileged test guests");
        }
        LibraryGuest g = new LibraryGuest(nextDomid++, GuestMemory.allocate(config.frames()), grantOps, eventOps);
        DomainSpec spec = new DomainSpec(g.domid(), g.memory(), 1, false);
        channels.addDomain(spec, 0, v -> { });
        tables.addDomain(spec, config.frames() - TABLE_FRAMES, TABLE_FRAMES);
        guests.add(g);
        return g;
    }

    /**
     * Destroys a guest the way Xen does while a backend still maps its pages: the domain is marked dying at once
     * (no new mapping of its grants, its event channels closed, dom0's ends unbound), but its grant state and
     * memory stay, as a zombie, until the hypervisor closes; so a backend that never unmaps what it mapped
     * keeps its mappings (and the live-mapping count shows them) instead of having them revoked for it.
     */
    @Override
    public void destroyDomain(DomainUnderTest domain) {
        LibraryGuest g = (LibraryGuest) domain;
        if (guests.remove(g)) {
            tables.markDying(g.domid());
            while (!channels.releaseDomain(g.domid(), 64)) {
                Thread.onSpinWait();
            }
            zombies.add(g);
        }
    }

    /** Whether a guest was destroyed (its zombie may still be mapped). */
    boolean destroyed(int domid) {
        return zombies.stream().anyMatch(g -> g.domid() == domid);
    }

    @Override
    public void close() {
        for (LibraryGuest g : List.copyOf(guests)) {
            destroyDomain(g);
        }
        for (LibraryGuest g : zombies) {
            int spins = 0;
            while (!tables.releaseDomain(g.domid(), 64) && spins++ < 10_000) {
                tables.reap();
            }
            if (spins < 10_000) {
                g.memory().close();
            }
        }
        zombies.clear();
        running = false;
        dom0Vcpu.interrupt();
        try {
            dom0Vcpu.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
