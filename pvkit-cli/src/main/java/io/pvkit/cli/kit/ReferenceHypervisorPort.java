package io.pvkit.cli.kit;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.StartInfoLayout;
import io.pvkit.conformance.spi.Capability;
import io.pvkit.conformance.spi.DomainConfig;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import io.pvkit.hypervisor.Domain;
import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.hypervisor.HypervisorConfig;
import io.pvkit.hypervisor.MemoryBacking;
import java.nio.charset.StandardCharsets;
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

    /** The start_info magic the domain builder writes ("xen-3.0-x86_64"). */
    private static final byte[] MAGIC = "xen-3.0-x86_64".getBytes(StandardCharsets.US_ASCII);

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
        return EnumSet.of(Capability.PRIVILEGED_DOMAINS);
    }

    @Override
    public DomainUnderTest createDomain(DomainConfig config) {
        String name = "kit" + (++created);
        Domain d = hypervisor.createDomain(new io.pvkit.hypervisor.DomainConfig(name, config.frames(),
                config.vcpus(), config.privileged(), null, "", new MemoryBacking.Arena()));
        Port p = new Port(d, config);
        live.add(p);
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
     * The frame of a kit domain's {@code shared_info}, as the domain builder announced it in the domain's
     * {@code start_info} (the page above the domain's own frames that starts with the start_info magic).
     *
     * @param domain a domain created by this port
     * @return the guest frame number
     * @throws IllegalStateException when no start_info page is found
     */
    static long sharedInfoGfn(DomainUnderTest domain) {
        GuestMemory m = domain.memory();
        long own = ((Port) domain).config.frames();
        for (long f = own; f < m.frames(); f++) {
            long gpa = GuestMemory.gpaOf(f);
            byte[] magic = new byte[MAGIC.length];
            m.read(gpa + StartInfoLayout.MAGIC_OFFSET, magic, 0, magic.length);
            if (java.util.Arrays.equals(magic, MAGIC)) {
                return GuestMemory.gfnOf(m.getLong(gpa + StartInfoLayout.SHARED_INFO_OFFSET));
            }
        }
        throw new IllegalStateException("no start_info page above frame " + own + " of domain " + domain.domid());
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
    }
}
