package io.pvkit.abi.spi;

/**
 * Where a vCPU of a guest written in Java starts: the seam between a hypervisor's domain builder and
 * a guest kernel, playing the role of the ELF entry point of a PVH kernel.
 *
 * <p>The hypervisor creates a thread for the vCPU and calls {@link #enter(VcpuStart)} on it. The guest
 * runs until it is done and returns; every interaction with the hypervisor goes through
 * {@link VcpuStart#hypervisor()} with {@link VcpuStart#self()} as the caller, exactly as a guest in
 * another process or under KVM would. A guest that has asked to shut down ({@code SCHEDOP_shutdown})
 * returns; a hypervisor that destroys the domain makes every further hypercall fail and makes
 * {@code SCHEDOP_block}/{@code SCHEDOP_poll} return, so a well-behaved guest returns soon after.
 */
@FunctionalInterface
public interface GuestEntryPoint {
    /**
     * Runs one vCPU of the guest on the calling thread.
     *
     * @param start what the vCPU starts with
     * @throws Exception anything the guest throws; the hypervisor records it as a crash of the domain
     */
    void enter(VcpuStart start) throws Exception;
}
