package com.acme;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.hypercall.HypercallAbiVerification;
import io.pvkit.conformance.spi.Capability;
import io.pvkit.conformance.spi.DomainConfig;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import java.util.EnumSet;
import java.util.Set;

/** pvkit's hypercall ABI rules, run against Acme's hypervisor. */
public class AcmeHypercallConformanceTest extends HypercallAbiVerification {

    @Override
    protected HypervisorUnderTest createHypervisor() {
        AcmeHypervisor hv = new AcmeHypervisor();
        return new HypervisorUnderTest() {
            @Override
            public Set<Capability> capabilities() {
                return EnumSet.of(Capability.PRIVILEGED_DOMAINS);
            }

            @Override
            public DomainUnderTest createDomain(DomainConfig c) {
                AcmeHypervisor.Domain d = hv.create(c.frames(), c.vcpus(), c.privileged());
                return new DomainUnderTest() {
                    @Override
                    public int domid() {
                        return d.id();
                    }

                    @Override
                    public boolean privileged() {
                        return d.privileged();
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
                        return hv.hypercall(d, op, a1);
                    }
                };
            }

            @Override
            public void destroyDomain(DomainUnderTest d) {
                hv.destroy(d.domid());
            }

            @Override
            public void close() {
                hv.close();
            }
        };
    }
}
