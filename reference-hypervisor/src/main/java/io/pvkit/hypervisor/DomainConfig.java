package io.pvkit.hypervisor;

import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.spi.GuestEntryPoint;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What to build: the toolstack's domain configuration (xl's {@code name}, {@code memory}, {@code vcpus},
 * {@code extra}).
 *
 * @param name a unique name among live domains: 1..64 characters of {@code [A-Za-z0-9._-]}; it prefixes
 *     the domain's console lines and names its log file
 * @param memoryFrames the guest's own frames ({@code start_info.nr_pages}); the special pages come on top
 * @param vcpus the number of vCPUs, 1..{@value DomainSpec#MAX_VCPUS}
 * @param privileged whether the domain may act on other domains (like domain 0)
 * @param entry where vCPU 0 starts, or null for a domain driven only through {@link Domain#context(int)}
 * @param cmdline extra {@code key=value} words appended to {@code start_info.cmd_line}; null means none
 * @param backing what the memory is made of; null means {@link MemoryBacking.Arena}
 */
public record DomainConfig(String name, long memoryFrames, int vcpus, boolean privileged,
                           GuestEntryPoint entry, String cmdline, MemoryBacking backing) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** The largest {@code memoryFrames} accepted (4 GiB of guest memory). */
    public static final long MAX_MEMORY_FRAMES = 1L << 20;

    /**
     * Validates the configuration and fills in defaults.
     *
     * @param name the name
     * @param memoryFrames the guest's frames
     * @param vcpus the vCPU count
     * @param privileged the privilege
     * @param entry the entry point, or null
     * @param cmdline extra command-line words, or null
     * @param backing the memory backing, or null
     * @throws IllegalArgumentException on a bad name, memory size or vCPU count
     */
    public DomainConfig {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("domain name must be 1..64 of [A-Za-z0-9._-]: '" + name + "'");
        }
        if (memoryFrames < 1 || memoryFrames > MAX_MEMORY_FRAMES) {
            throw new IllegalArgumentException("memoryFrames must be 1.." + MAX_MEMORY_FRAMES + ", got " + memoryFrames);
        }
        if (vcpus < 1 || vcpus > DomainSpec.MAX_VCPUS) {
            throw new IllegalArgumentException("vcpus must be 1.." + DomainSpec.MAX_VCPUS + ", got " + vcpus);
        }
        cmdline = cmdline == null ? "" : cmdline;
        backing = backing == null ? new MemoryBacking.Arena() : backing;
    }

    /**
     * An unprivileged guest with one vCPU, arena memory and no extra command line.
     *
     * @param name the name
     * @param memoryFrames the guest's frames
     * @param entry where vCPU 0 starts, or null
     * @return the configuration
     */
    public static DomainConfig guest(String name, long memoryFrames, GuestEntryPoint entry) {
        return new DomainConfig(name, memoryFrames, 1, false, entry, "", new MemoryBacking.Arena());
    }
}
