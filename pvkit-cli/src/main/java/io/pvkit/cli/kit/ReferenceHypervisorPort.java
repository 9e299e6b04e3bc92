package io.pvkit.cli.kit;

import io.pvkit.abi.DomId;
import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.evtchn.EvtchnCloseLayout;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.evtchn.EvtchnStatus;
import io.pvkit.abi.evtchn.EvtchnStatusLayout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.StartInfoLayout;
import io.pvkit.conformance.spi.Capability;
import io.pvkit.conformance.spi.DomainConfig;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import io.pvkit.conformance.spi.ResourceCounts;
import io.pvkit.hypervisor.Domain;
import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.hypervisor.HypervisorConfig;
import io.pvkit.hypervisor.MemoryBacking;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The kit's porting SPI over the reference hypervisor. Each instance starts a whole
 * {@link Hypervisor} (dom0 and its services included); each kit domain is a domain the domain builder
 * built with no entry point (nothing runs on its vCPUs: the kit issues its hypercalls), and every
 * hypercall goes through {@link Hypervisor#dispatcher()} with {@link Domain#context(int)}, the same path
 * a running guest's hypercalls take.
 */
public final class ReferenceHypervisorPort implements HypervisorUnderTest {

    /** The domain builder allocates a handful of ports from 1 up; the first ones are scanned for them. */
    private static final int BUILDER_PORT_SCAN = 16;

    private final Hypervisor hypervisor;
    private final List<Port> live = new ArrayList<>();
    private int created;

    /** Starts a reference hypervisor with no log files and a console sink that drops every line. */
    public ReferenceHypervisorPort() {
        this.hypervisor = Hypervisor.start(new HypervisorConfig(null, line -> { }));
    }

    /**
     * The hypervisor under test.
     *
     * @return the hypervisor
     */
    public Hypervisor hypervisor() {
        return hypervisor;
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.PRIVILEGED_DOMAINS, Capability.CONSOLE_OUTPUT, Capability.MULTICALL,
                Capability.RESOURCE_COUNTS, Capability.SHARED_MEMORY_VIEW);
    }

    /** {@link Hypervisor#counts()}: every domain (domain 0 and its services' ports included). */
    @Override
    public ResourceCounts resourceCounts() {
        io.pvkit.hypervisor.ResourceCounts c = hypervisor.counts();
        return new ResourceCounts(c.domains(), c.boundPorts(), c.grantMappings());
    }

    @Override
    public DomainUnderTest createDomain(DomainConfig config) {
        String name = "kit" + (++created);
        // SHARED_MEMORY_VIEW: pv-events and pv-grant reach the domain's shared_info and grant entries through the
        // view the kit's request makes from the domain's memory (the memory itself unless a hostile rule asks)
        Domain d = hypervisor.createDomain(new io.pvkit.hypervisor.DomainConfig(name, config.frames(),
                config.vcpus(), config.privileged(), null, "", new MemoryBacking.Arena()), config::sharedView);
        Port p = new Port(d, config);
        live.add(p);
        closeBuilderPorts(p);
        return p;
    }

    @Override
    public void destroyDomain(DomainUnderTest domain) {
        if (domain instanceof Port p && live.remove(p)) {
            hypervisor.destroyDomain(p.domain.domid());
        }
    }

    @Override
    public void close() {
        for (Port p : List.copyOf(live)) {
            destroyDomain(p);
        }
        hypervisor.close();
    }

    /**
     * The event-channel kit's {@code raiseVirq} hook (EVT-20, EVT-22): {@link Hypervisor#raiseVirq}, what the
     * hypervisor's timer and console do.
     *
     * @param domain a domain created by this port
     * @param vcpu the vCPU of a per-vCPU VIRQ (any value)
     * @param virq the VIRQ (any value)
     */
    void raiseVirq(DomainUnderTest domain, int vcpu, int virq) {
        hypervisor.raiseVirq(domain.domid(), vcpu, virq);
    }

    /**
     * The event-channel kit's {@code destroyStep} hook (EVT-23): one {@link Hypervisor#destroyDomainStep} with
     * the kit's bound as its budget. Once it answered true the domain is fully destroyed, so the kit's
     * {@link #destroyDomain} that follows finds nothing left to do.
     *
     * @param domain a domain created by this port
     * @param maxPorts the most ports this step may close
     * @return true when the domain is gone
     */
    boolean destroyStep(DomainUnderTest domain, int maxPorts) {
        return hypervisor.destroyDomainStep(domain.domid(), maxPorts);
    }

    /**
     * The kit's verifications start from a domain with no event channels, as a bare Xen domain has; the
     * domain builder, however, gave this one its console, xenstore and echo ports (bound by dom0 before
     * {@code createDomain} returned). The domain closes them itself, through the dispatcher like any
     * other hypercall, before the kit gets it: dom0's ends become unbound, as for any closed channel.
     */
    private static void closeBuilderPorts(Port p) {
        GuestMemory m = p.memory();
        long arg = GuestMemory.gpaOf(1);
        for (int port = 1; port < BUILDER_PORT_SCAN; port++) {
            m.fill(arg, EvtchnStatusLayout.SIZE, (byte) 0);
            m.setShort(arg + EvtchnStatusLayout.DOM_OFFSET, (short) DomId.SELF);
            m.setInt(arg + EvtchnStatusLayout.PORT_OFFSET, port);
            long rc = p.hypercall(0, HypercallOp.EVENT_CHANNEL_OP.number(), EvtchnOp.STATUS.code(), arg, 0, 0, 0);
            if (rc != 0 || m.getInt(arg + EvtchnStatusLayout.STATUS_OFFSET) == EvtchnStatus.CLOSED.code()) {
                continue;
            }
            m.setInt(arg + EvtchnCloseLayout.PORT_OFFSET, port);
            rc = p.hypercall(0, HypercallOp.EVENT_CHANNEL_OP.number(), EvtchnOp.CLOSE.code(), arg, 0, 0, 0);
            if (rc != 0) {
                throw new IllegalStateException("domain " + p.domid() + " could not close its port " + port + ": " + rc);
            }
        }
        m.fill(arg, GuestMemory.PAGE_SIZE, (byte) 0);
    }

    /**
     * The frame of a kit domain's {@code shared_info}, as the domain builder announced it in the domain's
     * {@code start_info} (a guest-physical address, like Xen's {@code start_info.shared_info}).
     *
     * @param domain a domain created by this port
     * @return the guest frame number
     */
    static long sharedInfoGfn(DomainUnderTest domain) {
        Domain d = ((Port) domain).domain;
        return GuestMemory.gfnOf(d.memory().getLong(d.startInfoAddress() + StartInfoLayout.SHARED_INFO_OFFSET));
    }

    /** A kit domain: a reference-hypervisor domain with no entry point. */
    private final class Port implements DomainUnderTest {
        final Domain domain;
        final DomainConfig config;

        Port(Domain domain, DomainConfig config) {
            this.domain = domain;
            this.config = config;
        }

        @Override
        public int domid() {
            return domain.domid();
        }

        @Override
        public boolean privileged() {
            return config.privileged();
        }

        @Override
        public int vcpus() {
            return config.vcpus();
        }

        @Override
        public GuestMemory memory() {
            return domain.memory();
        }

        @Override
        public long hypercall(int vcpu, long op, long arg1, long arg2, long arg3, long arg4, long arg5) {
            return hypervisor.dispatcher().hypercall(domain.context(vcpu), op, arg1, arg2, arg3, arg4, arg5);
        }

        @Override
        public byte[] consoleOutput() {
            return domain.consoleIoOutput();
        }
    }
}
