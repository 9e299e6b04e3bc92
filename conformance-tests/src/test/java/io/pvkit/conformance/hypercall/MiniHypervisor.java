package io.pvkit.conformance.hypercall;

import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.spi.Capability;
import io.pvkit.conformance.spi.DomainConfig;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** The porting SPI over a MiniHandler: in-process domains with real Arena-backed guest memory. */
final class MiniHypervisor implements HypervisorUnderTest {

    private final MiniHandler handler;
    private final Set<Capability> capabilities;
    private final List<Domain> domains = new ArrayList<>();
    private int nextDomid;

    MiniHypervisor(MiniHandler handler) {
        this(handler, EnumSet.of(Capability.PRIVILEGED_DOMAINS, Capability.CONSOLE_OUTPUT, Capability.MULTICALL));
    }

    MiniHypervisor(MiniHandler handler, Set<Capability> capabilities) {
        this.handler = handler;
        this.capabilities = Set.copyOf(capabilities);
    }

    @Override
    public Set<Capability> capabilities() {
        return capabilities;
    }

    @Override
    public DomainUnderTest createDomain(DomainConfig config) {
        if (config.privileged() && !capabilities.contains(Capability.PRIVILEGED_DOMAINS)) {
            throw new UnsupportedOperationException("no privileged domains");
        }
        Domain d = new Domain(nextDomid++, config, GuestMemory.allocate(config.frames()));
        domains.add(d);
        return d;
    }

    @Override
    public void destroyDomain(DomainUnderTest domain) {
        if (domains.remove(domain)) {
            ((Domain) domain).memory.close();
        }
    }

    @Override
    public void close() {
        for (Domain d : List.copyOf(domains)) {
            destroyDomain(d);
        }
    }

    private final class Domain implements DomainUnderTest {
        private final int domid;
        private final DomainConfig config;
        private final GuestMemory memory;

        Domain(int domid, DomainConfig config, GuestMemory memory) {
            this.domid = domid;
            this.config = config;
            this.memory = memory;
        }

        @Override
        public int domid() {
            return domid;
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
            return memory;
        }

        @Override
        public long hypercall(int vcpu, long op, long a1, long a2, long a3, long a4, long a5) {
            return handler.hypercall(HypercallContext.of(domid, vcpu, config.privileged(), memory), op, a1, a2, a3, a4, a5);
        }

        @Override
        public byte[] consoleOutput() {
            return handler.consoleOutput(domid);
        }
    }
}
