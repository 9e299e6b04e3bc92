package io.pvkit.hypervisor.internal;

import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.evtchn.VcpuInfoLayout;
import io.pvkit.abi.grant.GrantRefs;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.abi.platform.HvmParam;
import io.pvkit.abi.platform.StartInfoLayout;
import io.pvkit.grant.GuestGrantTable;
import io.pvkit.hypervisor.DomainConfig;
import io.pvkit.hypervisor.MemoryBacking;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Function;

/**
 * The toolstack's domain builder (libxl/libxenguest's role): allocates a domain's memory, lays out its
 * special pages ({@link MemoryMap}), registers it with pv-events and pv-grant, writes the reserved grant
 * entries, allocates the ports domain 0 will bind, sets the HVM params, fills in each {@code vcpu_info}'s
 * clock and writes {@code start_info}. Starting vCPU 0 and introducing the domain to domain 0 are the
 * caller's next steps.
 *
 * <p>The clock: every {@code vcpu_time_info} gets the pvclock parameters of a "TSC" that is
 * {@link System#nanoTime()}: {@code tsc_timestamp} = the hypervisor's start, {@code system_time} = 0,
 * {@code tsc_to_system_mul} = 2^31 with {@code tsc_shift} = 1 (one TSC tick = one nanosecond),
 * {@code XEN_PVCLOCK_TSC_STABLE_BIT}. A Java guest computes the current system time (the clock of
 * {@code SCHEDOP_poll}'s absolute timeout) as {@code system_time + (System.nanoTime() - tsc_timestamp)}.
 */
public final class DomainBuilder {
    /** The magic of {@code start_info}. */
    public static final String MAGIC = "xen-3.0-x86_64";
    private static final int PVCLOCK_TSC_STABLE = 1;

    private final LibraryDomains library;
    private final ConsoleLines console;
    private final long bootNanoTime;

    /**
     * Creates a builder.
     *
     * @param library the library registrations
     * @param console the hypervisor console
     * @param bootNanoTime {@link System#nanoTime()} at the hypervisor's start (system time 0)
     */
    public DomainBuilder(LibraryDomains library, ConsoleLines console, long bootNanoTime) {
        this.library = library;
        this.console = console;
        this.bootNanoTime = bootNanoTime;
    }

    /**
     * Builds a domain.
     *
     * @param domid its id
     * @param config its configuration
     * @param initialDomain whether this is domain 0 (no console/xenstore pages for another domain 0)
     * @return the record; the domain is registered with the libraries but no vCPU runs
     * @throws IllegalArgumentException when the command line does not fit
     */
    public DomainRecord build(int domid, DomainConfig config, boolean initialDomain) {
        return build(domid, config, initialDomain, null);
    }

    /**
     * Builds a domain in memory the caller created (a guest process's sealed memfd): the same layout as
     * {@link #build(int, DomainConfig, boolean)}; the caller keeps owning {@code provided} (it is not closed
     * here, not even when the build fails).
     *
     * @param domid its id
     * @param config its configuration ({@code backing} is ignored when {@code provided} is not null)
     * @param initialDomain whether this is domain 0
     * @param provided memory of at least {@code MemoryMap.of(config.memoryFrames()).totalFrames()} frames, or
     *     null to allocate it from {@code config.backing()}
     * @return the record; the domain is registered with the libraries but no vCPU runs
     * @throws IllegalArgumentException when the command line does not fit or the memory is too small
     */
    public DomainRecord build(int domid, DomainConfig config, boolean initialDomain, GuestMemory provided) {
        return build(domid, config, initialDomain, provided, null);
    }

    /**
     * Builds a domain whose shared structures pv-events and pv-grant reach through a view the caller makes from
     * the new memory (a conformance kit's hostile view): otherwise the same as
     * {@link #build(int, DomainConfig, boolean, GuestMemory)}.
     *
     * @param domid its id
     * @param config its configuration
     * @param initialDomain whether this is domain 0
     * @param provided the memory, or null to allocate it
     * @param sharedView called once with the new memory; what it returns (a view of the same bytes) is what both
     *     libraries reach {@code shared_info}'s event bits and the grant entries through; null means the memory
     *     itself
     * @return the record; the domain is registered with the libraries but no vCPU runs
     * @throws IllegalArgumentException when the command line does not fit, the memory is too small or the view
     *     has another size than the memory
     * @throws NullPointerException when {@code sharedView} returns null
     */
    public DomainRecord build(int domid, DomainConfig config, boolean initialDomain, GuestMemory provided,
                              Function<? super GuestMemory, ? extends MemoryAccess> sharedView) {
        MemoryMap map = MemoryMap.of(config.memoryFrames());
        if (provided != null && provided.frames() < map.totalFrames()) {
            throw new IllegalArgumentException("memory of " + provided.frames() + " frames is smaller than the map's "
                    + map.totalFrames() + " frames");
        }
        GuestMemory memory = provided != null ? provided : switch (config.backing()) {
            case MemoryBacking.Arena a -> GuestMemory.allocate(map.totalFrames());
            case MemoryBacking.File f -> GuestMemory.mapFile(f.path(), map.totalFrames());
        };
        boolean registered = false;
        try {
            // a reused file may hold anything above nr_pages: the special pages start zeroed
            memory.fill(GuestMemory.gpaOf(map.startInfoGfn()), GuestMemory.gpaOf(map.totalFrames() - map.startInfoGfn()), (byte) 0);
            DomainSpec spec = new DomainSpec(domid, memory, config.vcpus(), config.privileged());
            int[] ports = new int[3];
            VcpuWaker waker = new VcpuWaker(config.vcpus());
            MemoryAccess shared = sharedView == null ? memory
                    : Objects.requireNonNull(sharedView.apply(memory), "the shared-memory view");
            library.add(spec, shared, map, waker); // the one place that registers with pv-events and pv-grant
            registered = true;
            writeClock(memory, map, config.vcpus());
            if (!initialDomain) {
                GuestGrantTable table = new GuestGrantTable(memory, map.grantBaseGfn());
                table.grantReserved(GrantRefs.RESERVED_CONSOLE, 0, map.consoleGfn(), false);
                table.grantReserved(GrantRefs.RESERVED_XENSTORE, 0, map.xenstoreGfn(), false);
                for (int i = 0; i < 3; i++) {
                    ports[i] = library.allocUnbound(domid, 0);
                    if (ports[i] <= 0) {
                        throw new IllegalStateException("cannot allocate a port for domain 0: " + ports[i]);
                    }
                }
            }
            DomainRecord record = new DomainRecord(domid, config.name(), config.privileged(), config.vcpus(), memory,
                    map, config.entry(), waker, ports,
                    new HypervisorConsoleBuffer(config.name(), config.privileged(), console));
            if (!initialDomain) {
                record.hvmParams.set(HvmParam.CONSOLE_PFN, map.consoleGfn());
                record.hvmParams.set(HvmParam.CONSOLE_EVTCHN, ports[0]);
                record.hvmParams.set(HvmParam.STORE_PFN, map.xenstoreGfn());
                record.hvmParams.set(HvmParam.STORE_EVTCHN, ports[1]);
            }
            String cmdline = "pvkit.name=" + config.name() + (initialDomain ? "" : " pvkit.echo=" + ports[2])
                    + (config.cmdline().isBlank() ? "" : " " + config.cmdline().trim());
            writeStartInfo(memory, map, record, cmdline, initialDomain);
            return record;
        } catch (RuntimeException e) {
            if (registered) {
                while (!library.release(domid, 64)) {
                    Thread.onSpinWait();
                }
            }
            if (provided == null) {
                memory.close();
            }
            throw e;
        }
    }

    private void writeClock(GuestMemory memory, MemoryMap map, int vcpus) {
        for (int v = 0; v < vcpus; v++) {
            long t = map.sharedInfoGpa() + io.pvkit.abi.evtchn.SharedInfoLayout.vcpuInfoOffset(v) + VcpuInfoLayout.TIME_OFFSET;
            memory.setInt(t, 1); // version odd: update in progress
            memory.setLong(t + 8, bootNanoTime);        // tsc_timestamp
            memory.setLong(t + 16, 0);                  // system_time
            memory.setInt(t + 24, 0x8000_0000);         // tsc_to_system_mul
            memory.setByte(t + 28, (byte) 1);           // tsc_shift
            memory.setByte(t + 29, (byte) PVCLOCK_TSC_STABLE);
            memory.setIntRelease(t, 2);
        }
    }

    private static void writeStartInfo(GuestMemory memory, MemoryMap map, DomainRecord d, String cmdline,
                                       boolean initialDomain) {
        long si = map.startInfoGpa();
        byte[] magic = MAGIC.getBytes(StandardCharsets.US_ASCII);
        memory.write(si + StartInfoLayout.MAGIC_OFFSET, magic, 0, magic.length);
        memory.setLong(si + StartInfoLayout.NR_PAGES_OFFSET, map.nrPages());
        memory.setLong(si + StartInfoLayout.SHARED_INFO_OFFSET, map.sharedInfoGpa());
        memory.setInt(si + StartInfoLayout.FLAGS_OFFSET, initialDomain
                ? StartInfoLayout.SIF_PRIVILEGED | StartInfoLayout.SIF_INITDOMAIN
                : d.privileged ? StartInfoLayout.SIF_PRIVILEGED : 0);
        if (!initialDomain) {
            memory.setLong(si + StartInfoLayout.STORE_MFN_OFFSET, map.xenstoreGfn());
            memory.setInt(si + StartInfoLayout.STORE_EVTCHN_OFFSET, d.storePort);
            memory.setLong(si + StartInfoLayout.CONSOLE_DOMU_MFN_OFFSET, map.consoleGfn());
            memory.setInt(si + StartInfoLayout.CONSOLE_DOMU_EVTCHN_OFFSET, d.consolePort);
        }
        byte[] cmd = cmdline.getBytes(StandardCharsets.US_ASCII);
        if (cmd.length >= StartInfoLayout.MAX_GUEST_CMDLINE) {
            throw new IllegalArgumentException("command line longer than " + (StartInfoLayout.MAX_GUEST_CMDLINE - 1)
                    + " bytes");
        }
        memory.write(si + StartInfoLayout.CMD_LINE_OFFSET, cmd, 0, cmd.length); // NUL: the page is zeroed
    }
}
