package io.pvkit.conformance.spi;

import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;

import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * What a verification asks for when it creates a domain: a <em>request</em>, not a domain.
 *
 * <p>Why the kit has its own type next to pv-abi's {@link DomainSpec} (the one description of a domain):
 * a {@code DomainSpec} names the domain's id and its {@link GuestMemory}, and both belong to the
 * implementation under test, which picks its ids and allocates its memory (in its own process, in a
 * memory-mapped file, under KVM) when it creates the domain. The kit can only say how much memory, how
 * many vCPUs and which privilege it wants, and how it wants to observe the domain's shared memory. Once
 * the domain exists, the kit reads its description as a {@code DomainSpec}: {@link DomainUnderTest#spec()}.
 *
 * <p><b>Shared-memory view.</b> The hostile rules (for example GNT-20) need to stand between the
 * implementation and a domain's shared structures: count how often a field is read, change it right after
 * the first read. An implementation that declares {@link Capability#SHARED_MEMORY_VIEW} calls
 * {@link #sharedView(GuestMemory)} once with the new domain's memory, while it creates the domain (before
 * {@link HypervisorUnderTest#createDomain} returns), and makes every access to the
 * domain's shared protocol structures (grant entries) through the {@link MemoryAccess} it returns; the
 * kit passes a {@code HostileMemory} there. Without the capability the view is ignored and the rules that
 * need it are skipped.
 *
 * @param frames the domain's memory in 4096-byte frames (at least 1)
 * @param vcpus the number of vCPUs, 1..{@value DomainSpec#MAX_VCPUS}
 * @param privileged whether the domain is privileged (a control domain)
 * @param sharedMemoryView makes the view through which the implementation reaches the domain's shared
 *     structures from the domain's memory (the identity unless a hostile rule asks otherwise)
 */
public record DomainConfig(long frames, int vcpus, boolean privileged, UnaryOperator<MemoryAccess> sharedMemoryView) {

    /**
     * Validates the components.
     *
     * @param frames the memory in frames
     * @param vcpus the number of vCPUs
     * @param privileged whether the domain is privileged
     * @param sharedMemoryView the view maker
     */
    public DomainConfig {
        if (frames < 1 || vcpus < 1 || vcpus > DomainSpec.MAX_VCPUS) {
            throw new IllegalArgumentException("a domain needs at least one frame and 1.." + DomainSpec.MAX_VCPUS
                    + " vCPUs: " + frames + " frames, " + vcpus + " vCPUs");
        }
        Objects.requireNonNull(sharedMemoryView, "sharedMemoryView");
    }

    /**
     * A request whose shared structures are reached through the domain's memory itself.
     *
     * @param frames the memory in frames
     * @param vcpus the number of vCPUs
     * @param privileged whether the domain is privileged
     */
    public DomainConfig(long frames, int vcpus, boolean privileged) {
        this(frames, vcpus, privileged, UnaryOperator.identity());
    }

    /**
     * The view through which the implementation must reach the new domain's shared structures, when it
     * declares {@link Capability#SHARED_MEMORY_VIEW}. Call it once per domain, with the domain's memory.
     *
     * @param memory the new domain's memory
     * @return a {@link MemoryAccess} over the same bytes ({@code memory} itself unless the kit asked for a
     *     hostile view)
     */
    public MemoryAccess sharedView(GuestMemory memory) {
        Objects.requireNonNull(memory, "memory");
        return Objects.requireNonNull(sharedMemoryView.apply(memory), "the shared-memory view");
    }

    /**
     * This request with another shared-memory view.
     *
     * @param view makes the view from the domain's memory
     * @return the new request
     */
    public DomainConfig withSharedMemoryView(UnaryOperator<MemoryAccess> view) {
        return new DomainConfig(frames, vcpus, privileged, view);
    }
}
