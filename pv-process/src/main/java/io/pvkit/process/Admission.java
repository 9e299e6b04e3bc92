package io.pvkit.process;

import io.pvkit.abi.spi.HypercallHandler;

import java.util.Objects;

/**
 * The domain a {@link GuestHost} built for a joining guest: what {@link GuestListener} sends in the welcome
 * and serves.
 *
 * @param domid the new domain's id
 * @param privileged whether the domain is privileged (passed in every {@code HypercallContext})
 * @param memory the domain's memory, created by the host with {@link SealedGuestMemory#create}; from
 *     admission on the {@link GuestSession} owns it and unmaps it when the session has ended and its mailbox
 *     servers have stopped (the host must not close it)
 * @param vcpus the number of vCPUs granted, 1 to the number requested
 * @param startInfoGpa where the host wrote the start info in {@code memory}, or 0
 * @param handler the hypervisor's hypercall handler for this domain
 */
public record Admission(int domid, boolean privileged, SealedGuestMemory memory, int vcpus, long startInfoGpa,
                        HypercallHandler handler) {
    /**
     * Validates the admission.
     *
     * @param domid the domain id
     * @param privileged privilege
     * @param memory the memory
     * @param vcpus the vCPU count
     * @param startInfoGpa the start info address
     * @param handler the handler
     */
    public Admission {
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(handler, "handler");
        MailboxLayout.checkVcpus(vcpus);
        if (startInfoGpa < 0 || startInfoGpa >= memory.frames() * 4096) {
            throw new IllegalArgumentException("start info outside the memory");
        }
    }
}
