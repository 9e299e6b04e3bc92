package io.pvkit.abi;

import io.pvkit.abi.memory.GuestMemory;

import java.util.Objects;

/**
 * The one description of a domain that every pvkit module registers: its id, its pseudo-physical
 * memory, its number of vCPUs and whether it is privileged (domain 0).
 *
 * <p>Each library adds only what is its own when a domain is registered with it (pv-events the
 * frame of {@code shared_info} and how to wake a vCPU, pv-grant the frames of the grant table), and
 * every library uses the same verbs: {@code addDomain(DomainSpec, ...)} and
 * {@code releaseDomain(domid, budget)}.
 *
 * {@snippet :
 * DomainSpec guest = new DomainSpec(1, GuestMemory.allocate(256), 2, false);
 * }
 *
 * @param domid the domain id, an ordinary id below {@link DomId#FIRST_RESERVED}
 * @param memory the domain's memory; it must outlive every library's state for the domain
 * @param vcpus the number of vCPUs, 1..{@value #MAX_VCPUS}
 * @param privileged whether the domain may act on other domains (domain 0)
 */
public record DomainSpec(int domid, GuestMemory memory, int vcpus, boolean privileged) {
    /** The most vCPUs a domain may have: each {@code vcpu_info} lives in {@code shared_info}. */
    public static final int MAX_VCPUS = 32;

    /**
     * Validates the description.
     *
     * @throws IllegalArgumentException on a reserved id or a vCPU count outside 1..{@value #MAX_VCPUS}
     * @throws NullPointerException when {@code memory} is null
     */
    public DomainSpec {
        Objects.requireNonNull(memory, "memory");
        if (!DomId.isOrdinary(domid)) {
            throw new IllegalArgumentException("not an ordinary domain id: " + domid);
        }
        if (vcpus < 1 || vcpus > MAX_VCPUS) {
            throw new IllegalArgumentException("vcpus must be 1.." + MAX_VCPUS + ", got " + vcpus);
        }
    }
}
