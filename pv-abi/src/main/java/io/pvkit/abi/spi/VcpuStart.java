package io.pvkit.abi.spi;

import io.pvkit.abi.hypercall.HypercallContext;

import java.util.Objects;

/**
 * The register state a vCPU starts with, in Java form: the hypervisor to call, the caller identity
 * (domain, vCPU, privilege, memory) and the guest-physical address of the start-info page (PVH passes
 * it in {@code rbx}; {@code 0} when the builder wrote none).
 *
 * @param hypervisor the hypervisor's hypercall entry point
 * @param self the calling context of this vCPU (its memory holds the guest's scratch and pages)
 * @param startInfoGpa the guest-physical address of the start info, or 0
 */
public record VcpuStart(HypercallHandler hypervisor, HypercallContext self, long startInfoGpa) {
    /**
     * Validates the start state.
     *
     * @throws NullPointerException when {@code hypervisor} or {@code self} is null
     * @throws IllegalArgumentException when {@code startInfoGpa} is negative
     */
    public VcpuStart {
        Objects.requireNonNull(hypervisor, "hypervisor");
        Objects.requireNonNull(self, "self");
        if (startInfoGpa < 0) {
            throw new IllegalArgumentException("negative start info address");
        }
    }
}
