package com.acme;

import io.pvkit.abi.memory.GuestMemory;
import java.util.HashMap;
import java.util.Map;

/**
 * Acme's (deliberately tiny) hypervisor: domains with memory, and a hypercall dispatcher that knows
 * {@code xen_version(XENVER_version)} and answers {@code -ENOSYS} to everything else.
 */
public final class AcmeHypervisor implements AutoCloseable {

    static final long ENOSYS = -38;
    static final long HYPERVISOR_XEN_VERSION = 17;
    static final long XENVER_VERSION = 0;

    /** A domain. */
    public record Domain(int id, GuestMemory memory, int vcpus, boolean privileged) {
    }

    private final Map<Integer, Domain> domains = new HashMap<>();
    private int nextId;

    /**
     * Creates a domain.
     *
     * @param frames memory in 4096-byte frames
     * @param vcpus vCPUs
     * @param privileged whether it is a control domain
     * @return the domain
     */
    public synchronized Domain create(long frames, int vcpus, boolean privileged) {
        Domain d = new Domain(nextId++, GuestMemory.allocate(frames), vcpus, privileged);
        domains.put(d.id(), d);
        return d;
    }

    /**
     * Destroys a domain and frees its memory.
     *
     * @param id the domain id
     */
    public synchronized void destroy(int id) {
        Domain d = domains.remove(id);
        if (d != null) {
            d.memory().close();
        }
    }

    /**
     * A hypercall made by a vCPU of a domain.
     *
     * @param caller the calling domain
     * @param op the hypercall number
     * @param a1 the first argument
     * @return the result: 0 or more, or a negated errno
     */
    public long hypercall(Domain caller, long op, long a1) {
        if (op == HYPERVISOR_XEN_VERSION && a1 == XENVER_VERSION) {
            return (4L << 16) | 14; // 4.14
        }
        return ENOSYS;
    }

    @Override
    public synchronized void close() {
        for (Domain d : domains.values()) {
            d.memory().close();
        }
        domains.clear();
    }
}
