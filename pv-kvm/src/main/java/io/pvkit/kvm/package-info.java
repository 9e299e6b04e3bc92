/**
 * pv-kvm: real guest machine code under Linux KVM, through {@code java.lang.foreign} only, with every Xen
 * hypercall it makes handed to a pv-abi {@link io.pvkit.abi.spi.HypercallHandler}.
 *
 * <p>{@link io.pvkit.kvm.KvmVm} is the VM (memory, vCPUs, CPUID, the hypercall-page MSR trap),
 * {@link io.pvkit.kvm.KvmVm#loadPvh} boots a Xen PVH kernel, {@link io.pvkit.kvm.KvmVm#runVcpu} runs a
 * vCPU until an {@link io.pvkit.kvm.ExitOutcome}. {@link io.pvkit.kvm.GuestPageWalk} translates the guest's
 * virtual pointer arguments.
 *
 * <p>Threading: a vCPU is run by one thread at a time; hypercalls are handled on that thread. Trust: the
 * guest is hostile; its registers, page tables and argument memory are read once and validated, every
 * walk is bounded, and a guest that never leaves is stopped at its run deadline by a signal.
 */
package io.pvkit.kvm;
