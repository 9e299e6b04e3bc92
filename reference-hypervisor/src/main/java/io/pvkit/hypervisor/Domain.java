package io.pvkit.hypervisor;

import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.hypervisor.internal.DomainRecord;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A handle on one domain. It stays usable after the domain is destroyed ({@link #info()} then reports
 * {@link DomainState#DEAD}); its memory is closed by then.
 */
public final class Domain {
    private final DomainRecord record;
    private final Hypervisor hypervisor;

    Domain(DomainRecord record, Hypervisor hypervisor) {
        this.record = record;
        this.hypervisor = hypervisor;
    }

    DomainRecord record() {
        return record;
    }

    /**
     * The domain id.
     *
     * @return 0 for domain 0, from 1 up for guests
     */
    public int domid() {
        return record.domid;
    }

    /**
     * The domain's name.
     *
     * @return the name given at creation ({@code "Domain-0"} for domain 0)
     */
    public String name() {
        return record.name;
    }

    /**
     * A snapshot of the domain.
     *
     * @return its state and counters
     */
    public DomainInfo info() {
        return Hypervisor.infoOf(record);
    }

    /**
     * The calling context of one of the domain's vCPUs, to issue hypercalls as the domain through
     * {@link Hypervisor#dispatcher()} (tests, the conformance kit, a VMM's own vCPU loop).
     *
     * @param vcpu the vCPU, {@code 0 .. vcpus-1}
     * @return the context (identity address translation)
     * @throws IllegalArgumentException when the domain has no such vCPU
     */
    public HypercallContext context(int vcpu) {
        if (vcpu < 0 || vcpu >= record.vcpus) {
            throw new IllegalArgumentException("domain " + record.domid + " has no vCPU " + vcpu);
        }
        return HypercallContext.of(record.domid, vcpu, record.privileged, record.memory);
    }

    /**
     * The domain's pseudo-physical memory: {@code memoryFrames} frames of its own, then its special pages.
     *
     * @return the memory (closed once the domain is destroyed)
     */
    public GuestMemory memory() {
        return record.memory;
    }

    /**
     * The number of vCPUs.
     *
     * @return the count given at creation
     */
    public int vcpus() {
        return record.vcpus;
    }

    /**
     * The guest-physical address of the domain's {@code start_info}.
     *
     * @return the address the builder passed to vCPU 0
     */
    public long startInfoAddress() {
        return record.map.startInfoGpa();
    }

    /**
     * Everything the domain wrote with {@code CONSOLEIO_write} (the last 64 KiB), unfiltered.
     *
     * @return a copy of the bytes
     */
    public byte[] consoleIoOutput() {
        return record.console.history();
    }

    /**
     * Waits until the domain has shut down (or was destroyed).
     *
     * @param timeout the longest wait
     * @return true once the domain is {@link DomainState#SHUTDOWN}, {@link DomainState#DYING} or
     *     {@link DomainState#DEAD}; false on timeout
     * @throws InterruptedException when interrupted
     */
    public boolean awaitShutdown(Duration timeout) throws InterruptedException {
        return record.stopped().await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Writes input to the domain's console (domain 0's console backend puts it into the
     * {@code xencons_interface} input ring and notifies the guest).
     *
     * @param bytes the input
     */
    public void consoleInput(byte[] bytes) {
        hypervisor.consoleInput(record.domid, bytes);
    }

    @Override
    public String toString() {
        return "Domain[" + record.domid + " " + record.name + "]";
    }
}
