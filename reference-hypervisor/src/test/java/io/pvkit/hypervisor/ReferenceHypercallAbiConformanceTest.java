package io.pvkit.hypervisor;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.hypercall.HypercallAbiVerification;
import io.pvkit.conformance.spi.Capability;
import io.pvkit.conformance.spi.DomainConfig;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;

import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The kit's hypercall-ABI verification through the reference hypervisor's full dispatch path (a smoke
 * check in this module; the CLI module owns the kit porting and its report).
 */
class ReferenceHypercallAbiConformanceTest extends HypercallAbiVerification {
    @Override
    protected HypervisorUnderTest createHypervisor() {
        Hypervisor hv = Hypervisor.start(HypervisorConfig.quiet());
        AtomicInteger names = new AtomicInteger();
        return new HypervisorUnderTest() {
            @Override
            public Set<Capability> capabilities() {
                return EnumSet.of(Capability.PRIVILEGED_DOMAINS, Capability.CONSOLE_OUTPUT, Capability.MULTICALL);
            }

            @Override
            public DomainUnderTest createDomain(DomainConfig config) {
                Domain d = hv.createDomain(new io.pvkit.hypervisor.DomainConfig("kit" + names.incrementAndGet(),
                        config.frames(), config.vcpus(), config.privileged(), null, null, null));
                return new DomainUnderTest() {
                    @Override
                    public int domid() {
                        return d.domid();
                    }

                    @Override
                    public boolean privileged() {
                        return config.privileged();
                    }

                    @Override
                    public int vcpus() {
                        return d.vcpus();
                    }

                    @Override
                    public GuestMemory memory() {
                        return d.memory();
                    }

                    @Override
                    public long hypercall(int vcpu, long op, long a1, long a2, long a3, long a4, long a5) {
                        return hv.dispatcher().hypercall(d.context(vcpu), op, a1, a2, a3, a4, a5);
                    }

                    @Override
                    public byte[] consoleOutput() {
                        return d.consoleIoOutput();
                    }
                };
            }

            @Override
            public void destroyDomain(DomainUnderTest domain) {
                hv.destroyDomain(domain.domid());
            }

            @Override
            public void close() {
                hv.close();
            }
        };
    }
}
