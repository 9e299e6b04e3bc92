package io.pvkit.conformance.spi;

import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.memory.GuestMemory;

/**
 * A domain of the hypervisor under test, as the kit drives it: its id, its memory, and a way to
 * issue hypercalls as one of its vCPUs.
 *
 * <p>Pointer arguments of {@link #hypercall} are guest-physical addresses into {@link #memory()}
 * (identity translation). The kit writes argument structures into that memory itself, exactly as a
 * guest would.
 */
public interface DomainUnderTest {

    /**
     * The domain's id.
     *
     * @return the domid (0..0x7FEF)
     */
    int domid();

    /**
     * Whether the domain is privileged.
     *
     * @return {@code true} for a control domain
     */
    boolean privileged();

    /**
     * The number of vCPUs.
     *
     * @return at least 1
     */
    int vcpus();

    /**
     * The domain's pseudo-physical memory, shared with the hypervisor (not a copy).
     *
     * @return the memory
     */
    GuestMemory memory();

    /**
     * This domain as pv-abi's one domain description: what the kit hands on wherever it describes a domain.
     * The default builds it from {@link #domid()}, {@link #memory()}, {@link #vcpus()} and
     * {@link #privileged()}; an implementation that registers its domains with pvkit's libraries through a
     * {@link DomainSpec} may return that very object.
     *
     * @return the description (the memory is the domain's own, not a copy)
     */
    default DomainSpec spec() {
        return new DomainSpec(domid(), memory(), vcpus(), privileged());
    }

    /**
     * Issues one hypercall as vCPU {@code vcpu} of this domain (x86_64 convention: op in rax,
     * arguments in rdi, rsi, rdx, r10, r8). Must return the hypervisor's result and never throw for
     * anything the guest passed.
     *
     * @param vcpu the calling vCPU
     * @param op the hypercall number
     * @param arg1 first argument
     * @param arg2 second argument
     * @param arg3 third argument
     * @param arg4 fourth argument
     * @param arg5 fifth argument
     * @return the result: non-negative on success, a negated errno on failure
     */
    long hypercall(int vcpu, long op, long arg1, long arg2, long arg3, long arg4, long arg5);

    /**
     * Everything this domain wrote with {@code CONSOLEIO_write} so far, when the implementation
     * declares {@link Capability#CONSOLE_OUTPUT}.
     *
     * @return a copy of the bytes
     * @throws UnsupportedOperationException when the capability is not declared
     */
    default byte[] consoleOutput() {
        throw new UnsupportedOperationException("CONSOLE_OUTPUT not supported");
    }

    /**
     * How many event upcalls vCPU {@code vcpu} has received so far, when the implementation
     * declares {@link Capability#UPCALL_COUNT}.
     *
     * @param vcpu the vCPU
     * @return the count
     * @throws UnsupportedOperationException when the capability is not declared
     */
    default long upcallCount(int vcpu) {
        throw new UnsupportedOperationException("UPCALL_COUNT not supported");
    }
}
