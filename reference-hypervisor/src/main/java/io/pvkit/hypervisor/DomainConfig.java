package io.pvkit.hypervisor;

import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.spi.GuestEntryPoint;

import java.util.List;
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
 * @param disks the guest's virtual disks ({@code xvda}, {@code xvdb}, ...; at most {@value #MAX_DISKS}); null
 *     means none
 */
public record DomainConfig(String name, long memoryFrames, int vcpus, boolean privileged,
                           GuestEntryPoint entry, String cmdline, MemoryBacking backing, List<DiskConfig> disks) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** The largest {@code memoryFrames} accepted (4 GiB of guest memory). */
    public static final long MAX_MEMORY_FRAMES = 1L << 20;
    /** The most disks a guest may have ({@code xvda}..{@code xvdp}). */
    public static final int MAX_DISKS = 16;

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
     * @param disks the disks, or null for none
     * @throws IllegalArgumentException on a bad name, memory size, vCPU count or too many disks
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
        disks = disks == null ? List.of() : List.copyOf(disks);
        if (disks.size() > MAX_DISKS) {
            throw new IllegalArgumentException("at most " + MAX_DISKS + " disks, got " + disks.size());
        }
    }

    /**
     * A configuration without disks (the form from before disks existed).
     *
     * @param name the name
     * @param memoryFrames the guest's frames
     * @param vcpus the vCPU count
     * @param privileged the privilege
     * @param entry the entry point, or null
     * @param cmdline extra command-line words, or null
     * @param backing the memory backing, or null
     */
    public DomainConfig(String name, long memoryFrames, int vcpus, boolean privileged, GuestEntryPoint entry,
                        String cmdline, MemoryBacking backing) {
        this(name, memoryFrames, vcpus, privileged, entry, cmdline, backing, List.of());
    }

    /**
     * This configuration with other disks.
     *
     * @param newDisks the disks ({@code xvda} first)
     * @return a copy with {@code disks = newDisks}
     */
    public DomainConfig withDisks(List<DiskConfig> newDisks) {
        return new DomainConfig(name, memoryFrames, vcpus, privileged, entry, cmdline, backing, newDisks);
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
        return new DomainConfig(name, memoryFrames, 1, false, entry, "", new MemoryBacking.Arena(), List.of());
    }
}
