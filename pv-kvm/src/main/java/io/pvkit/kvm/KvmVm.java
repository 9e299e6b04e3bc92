package io.pvkit.kvm;

import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.spi.HypercallHandler;
import io.pvkit.kvm.internal.Errno;
import io.pvkit.kvm.internal.KvmAbi;
import io.pvkit.kvm.internal.KvmCpuid2Layout;
import io.pvkit.kvm.internal.KvmCpuidEntry2Layout;
import io.pvkit.kvm.internal.KvmEnableCapLayout;
import io.pvkit.kvm.internal.KvmMsrFilterLayout;
import io.pvkit.kvm.internal.KvmMsrFilterRangeLayout;
import io.pvkit.kvm.internal.KvmUserspaceMemoryRegionLayout;
import io.pvkit.kvm.internal.Native;
import io.pvkit.kvm.internal.PvhLoader;
import io.pvkit.kvm.internal.Vcpu;
import io.pvkit.kvm.internal.XenCpuid;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A KVM virtual machine that runs a domain's guest code and hands every Xen hypercall it makes to a
 * {@link HypercallHandler}: the seam between a JVM VMM's vCPU loop and pvkit's hypervisor.
 *
 * <p>Creating one opens {@value #DEVICE}, checks the API version and the capabilities pv-kvm needs,
 * registers the domain's {@link GuestMemory} as guest RAM at guest-physical address 0, gives the vCPUs
 * the host's CPUID leaves plus Xen's (signature "XenVMMXenVMM" at 0x40000000, hypercall-page MSR
 * 0x40000000), and installs an MSR filter so that the guest's write of that MSR exits to pv-kvm, which
 * fills the page with stubs that exit on each call.
 *
 * {@snippet :
 * try (GuestMemory memory = GuestMemory.allocate(4096);                 // 16 MiB
 *      KvmVm vm = KvmVm.create(memory, hypervisor, 1)) {
 *     vm.loadPvh(Path.of("kernel.elf"), "console=hvc0");
 *     ExitOutcome outcome = vm.runVcpu(0, Duration.ofSeconds(5));      // on the vCPU's own thread
 *     if (outcome instanceof ExitOutcome.Shutdown(int reason)) {
 *         // the guest called sched_op(SCHEDOP_shutdown, reason)
 *     }
 * }
 * }
 *
 * <p>Threading: each vCPU is run by one thread at a time (any thread, but the same one is cheapest);
 * different vCPUs may run concurrently. {@link #close()} must not race with {@link #runVcpu}.
 */
public final class KvmVm implements AutoCloseable {
    /** The KVM device. */
    public static final String DEVICE = "/dev/kvm";
    /** The Xen version CPUID leaf 0x40000001 reports by default: 4.14 ({@code 4 << 16 | 14}). */
    public static final int DEFAULT_XEN_VERSION = 4 << 16 | 14;

    private static final int[] REQUIRED_CAPS = {KvmAbi.KVM_CAP_USER_MEMORY, KvmAbi.KVM_CAP_EXT_CPUID,
        KvmAbi.KVM_CAP_IMMEDIATE_EXIT, KvmAbi.KVM_CAP_X86_USER_SPACE_MSR, KvmAbi.KVM_CAP_X86_MSR_FILTER};
    private static final String[] REQUIRED_CAP_NAMES = {"KVM_CAP_USER_MEMORY", "KVM_CAP_EXT_CPUID",
        "KVM_CAP_IMMEDIATE_EXIT", "KVM_CAP_X86_USER_SPACE_MSR", "KVM_CAP_X86_MSR_FILTER"};
    private static final long MAX_IMAGE_BYTES = 256L << 20;
    /** Deadlines this long or longer mean "none" (also keeps {@code nanoTime} arithmetic from overflowing). */
    private static final Duration NO_DEADLINE = Duration.ofDays(365L * 100);

    private final int kvmFd;
    private final int vmFd;
    private final GuestMemory memory;
    private final int domid;
    private final Vcpu[] vcpus;
    private final AtomicInteger upcallVector;
    private boolean closed;

    private KvmVm(int kvmFd, int vmFd, GuestMemory memory, int domid, Vcpu[] vcpus, AtomicInteger upcallVector) {
        this.upcallVector = upcallVector;
        this.kvmFd = kvmFd;
        this.vmFd = vmFd;
        this.memory = memory;
        this.domid = domid;
        this.vcpus = vcpus;
    }

    /**
     * Why KVM cannot run pv-kvm guests on this host, if it cannot: {@value #DEVICE} missing or not
     * openable, a wrong API version, or a missing capability (named).
     *
     * @return the reason, or empty when {@link #create} can work
     */
    public static Optional<String> unavailableReason() {
        int fd;
        try {
            fd = Native.open(DEVICE);
        } catch (KvmException e) {
            return Optional.of(e.getMessage());
        }
        try {
            checkHost(fd);
            return Optional.empty();
        } catch (KvmException e) {
            return Optional.of(e.getMessage());
        } finally {
            Native.close(fd);
        }
    }

    private static int checkHost(int kvmFd) {
        int api = Native.ioctl(kvmFd, KvmAbi.KVM_GET_API_VERSION, "KVM_GET_API_VERSION", 0L);
        if (api != KvmAbi.KVM_API_VERSION) {
            throw new KvmException(DEVICE + " has KVM API version " + api + ", pv-kvm needs " + KvmAbi.KVM_API_VERSION);
        }
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < REQUIRED_CAPS.length; i++) {
            if (Native.ioctlRaw(kvmFd, KvmAbi.KVM_CHECK_EXTENSION, REQUIRED_CAPS[i]) <= 0) {
                missing.add(REQUIRED_CAP_NAMES[i]);
            }
        }
        if (!missing.isEmpty()) {
            throw new KvmException("this host's KVM lacks " + String.join(", ", missing)
                    + " (pv-kvm needs guest memory slots, CPUID control, immediate_exit for run deadlines, and"
                    + " user-space MSR exits through an MSR filter to trap the Xen hypercall-page MSR)");
        }
        return Native.ioctl(kvmFd, KvmAbi.KVM_GET_VCPU_MMAP_SIZE, "KVM_GET_VCPU_MMAP_SIZE", 0L);
    }

    /**
     * Creates a VM for a domain: its memory as guest RAM, {@code spec.vcpus()} vCPUs.
     *
     * @param spec the domain (id, memory, vCPU count, privilege); its memory must stay open while the VM
     *     lives
     * @param handler where every hypercall goes, on the thread that runs the calling vCPU
     * @return the VM
     * @throws KvmException when KVM is unavailable or lacks a capability (the message names it), or a KVM
     *     call fails
     */
    public static KvmVm create(DomainSpec spec, HypercallHandler handler) {
        return create(spec, handler, DEFAULT_XEN_VERSION);
    }

    /**
     * Creates a one-vCPU VM for an unprivileged domain.
     *
     * @param memory the domain's memory (page-aligned native memory, as {@link GuestMemory} always is)
     * @param handler where every hypercall goes
     * @param domid the domain id hypercalls report
     * @return the VM
     * @throws KvmException when KVM is unavailable or lacks a capability, or a KVM call fails
     */
    public static KvmVm create(GuestMemory memory, HypercallHandler handler, int domid) {
        return create(new DomainSpec(domid, memory, 1, false), handler, DEFAULT_XEN_VERSION);
    }

    /**
     * Creates a VM, reporting {@code xenVersion} in CPUID leaf 0x40000001.
     *
     * @param spec the domain
     * @param handler where every hypercall goes
     * @param xenVersion {@code major << 16 | minor}
     * @return the VM
     * @throws KvmException when KVM is unavailable or lacks a capability, or a KVM call fails
     */
    public static KvmVm create(DomainSpec spec, HypercallHandler handler, int xenVersion) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(handler, "handler");
        GuestMemory memory = spec.memory();
        MemorySegment ram = memory.segment();
        if (!ram.isNative() || ram.address() % GuestMemory.PAGE_SIZE != 0 || ram.byteSize() % GuestMemory.PAGE_SIZE != 0) {
            throw new IllegalArgumentException("guest memory must be page-aligned native memory");
        }
        int kvmFd = Native.open(DEVICE);
        int vmFd = -1;
        List<Vcpu> created = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            int mmapSize = checkHost(kvmFd);
            vmFd = Native.ioctl(kvmFd, KvmAbi.KVM_CREATE_VM, "KVM_CREATE_VM", 0L);
            MemorySegment region = arena.allocate(KvmUserspaceMemoryRegionLayout.LAYOUT);
            region.set(JAVA_INT, KvmUserspaceMemoryRegionLayout.SLOT_OFFSET, 0);
            region.set(JAVA_LONG, KvmUserspaceMemoryRegionLayout.GUEST_PHYS_ADDR_OFFSET, 0L);
            region.set(JAVA_LONG, KvmUserspaceMemoryRegionLayout.MEMORY_SIZE_OFFSET, ram.byteSize());
            region.set(JAVA_LONG, KvmUserspaceMemoryRegionLayout.USERSPACE_ADDR_OFFSET, ram.address());
            Native.ioctl(vmFd, KvmAbi.KVM_SET_USER_MEMORY_REGION, "KVM_SET_USER_MEMORY_REGION", region);
            trapHypercallPageMsr(vmFd, arena);
            MemorySegment cpuid = cpuid(kvmFd, xenVersion, arena);
            AtomicInteger upcallVector = new AtomicInteger();
            for (int i = 0; i < spec.vcpus(); i++) {
                created.add(new Vcpu(vmFd, i, mmapSize, cpuid, memory, handler, spec.domid(), spec.privileged(),
                        upcallVector));
            }
            return new KvmVm(kvmFd, vmFd, memory, spec.domid(), created.toArray(Vcpu[]::new), upcallVector);
        } catch (RuntimeException e) {
            created.forEach(Vcpu::close);
            if (vmFd >= 0) {
                Native.close(vmFd);
            }
            Native.close(kvmFd);
            throw e;
        }
    }

    /** User-space MSR exits for filtered MSRs, and a filter that denies (traps) only the hypercall-page MSR. */
    private static void trapHypercallPageMsr(int vmFd, Arena arena) {
        MemorySegment cap = arena.allocate(KvmEnableCapLayout.LAYOUT);
        cap.set(JAVA_INT, KvmEnableCapLayout.CAP_OFFSET, KvmAbi.KVM_CAP_X86_USER_SPACE_MSR);
        cap.set(JAVA_LONG, KvmEnableCapLayout.ARGS_OFFSET, KvmAbi.KVM_MSR_EXIT_REASON_FILTER);
        Native.ioctl(vmFd, KvmAbi.KVM_ENABLE_CAP, "KVM_ENABLE_CAP(KVM_CAP_X86_USER_SPACE_MSR)", cap);
        MemorySegment bitmap = arena.allocate(8);   // bit 0 clear: MSR 0x40000000 denied, so it exits
        MemorySegment filter = arena.allocate(KvmMsrFilterLayout.LAYOUT);
        filter.set(JAVA_INT, KvmMsrFilterLayout.FLAGS_OFFSET, KvmAbi.KVM_MSR_FILTER_DEFAULT_ALLOW);
        long range = KvmMsrFilterLayout.RANGES_OFFSET;
        filter.set(JAVA_INT, range + KvmMsrFilterRangeLayout.FLAGS_OFFSET,
                KvmAbi.KVM_MSR_FILTER_READ | KvmAbi.KVM_MSR_FILTER_WRITE);
        filter.set(JAVA_INT, range + KvmMsrFilterRangeLayout.NMSRS_OFFSET, 1);
        filter.set(JAVA_INT, range + KvmMsrFilterRangeLayout.BASE_OFFSET, XenCpuid.HYPERCALL_PAGE_MSR);
        filter.set(JAVA_LONG, range + KvmMsrFilterRangeLayout.BITMAP_OFFSET, bitmap.address());
        Native.ioctl(vmFd, KvmAbi.KVM_X86_SET_MSR_FILTER, "KVM_X86_SET_MSR_FILTER", filter);
    }

    /** The guest's CPUID table as a {@code kvm_cpuid2}, from the host's supported leaves plus Xen's. */
    private static MemorySegment cpuid(int kvmFd, int xenVersion, Arena arena) {
        for (int capacity = 128; capacity <= 4096; capacity *= 2) {
            MemorySegment table = arena.allocate(KvmCpuid2Layout.SIZE + capacity * KvmCpuidEntry2Layout.SIZE, 8);
            table.set(JAVA_INT, KvmCpuid2Layout.NENT_OFFSET, capacity);
            int r = Native.ioctlRaw(kvmFd, KvmAbi.KVM_GET_SUPPORTED_CPUID, table);
            if (r == -7 /* E2BIG */) {
                continue;
            }
            if (r < 0) {
                throw new KvmException("ioctl KVM_GET_SUPPORTED_CPUID", -r);
            }
            int n = Math.min(capacity, table.get(JAVA_INT, KvmCpuid2Layout.NENT_OFFSET));
            List<XenCpuid.Leaf> leaves = XenCpuid.guestTable(
                    XenCpuid.read(table.asSlice(KvmCpuid2Layout.SIZE), n), xenVersion);
            MemorySegment out = arena.allocate(KvmCpuid2Layout.SIZE + leaves.size() * KvmCpuidEntry2Layout.SIZE, 8);
            XenCpuid.write(leaves, out);
            return out;
        }
        throw new KvmException("ioctl KVM_GET_SUPPORTED_CPUID", 7);
    }

    /**
     * Loads a PVH kernel (an x86_64 ELF with a {@code XEN_ELFNOTE_PHYS32_ENTRY} note) into guest memory,
     * writes its {@code hvm_start_info} (with {@code cmdline}) after it, and sets vCPU 0 to the PVH entry
     * state: 32-bit flat protected mode, paging off, {@code ebx} = the start info's address.
     *
     * @param elf the kernel file
     * @param cmdline the command line (ASCII, at most 2048 bytes; null or empty for none)
     * @return where the image and start info went
     * @throws KvmException when the file is not a PVH kernel or does not fit
     * @throws UncheckedIOException when the file cannot be read
     */
    public PvhBoot loadPvh(Path elf, String cmdline) {
        checkOpen();
        byte[] image;
        try {
            if (Files.size(elf) > MAX_IMAGE_BYTES) {
                throw new KvmException(elf + " is larger than " + MAX_IMAGE_BYTES + " bytes");
            }
            image = Files.readAllBytes(elf);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        PvhBoot boot = PvhLoader.load(image, memory, cmdline);
        vcpus[0].setPvhEntryState(boot.entry(), boot.startInfoGpa());
        return boot;
    }

    /**
     * Runs vCPU {@code vcpu} on the calling thread until the guest does something its caller must handle
     * (see {@link ExitOutcome}) or {@code deadline} passes. Hypercalls are served inside: each one calls
     * the handler with a {@link io.pvkit.abi.hypercall.HypercallContext} whose translator walks the
     * guest's page tables ({@link GuestPageWalk}), and writes the result to rax.
     *
     * @param vcpu the vCPU index
     * @param deadline how long the guest may run; a guest still running then is interrupted (a signal
     *     to this thread) and {@link ExitOutcome.DeadlineExceeded} returned; 100 years or more: no deadline
     * @return why the guest stopped
     * @throws IllegalStateException when the vCPU is already running on another thread or the VM is closed
     * @throws KvmException when {@code KVM_RUN} itself fails
     */
    public ExitOutcome runVcpu(int vcpu, Duration deadline) {
        checkOpen();
        Objects.checkIndex(vcpu, vcpus.length);
        long end;
        if (deadline.compareTo(NO_DEADLINE) >= 0) {
            end = Long.MAX_VALUE;
        } else {
            long now = System.nanoTime();
            end = now + (deadline.isNegative() ? 0 : deadline.toNanos());
            if (end == Long.MAX_VALUE) {
                end--;
            }
        }
        return vcpus[vcpu].run(end);
    }

    /**
     * An event may be pending for vCPU {@code vcpu} (the shape of pv-events' {@code VcpuKicker}, so
     * {@code vm::kick} is one): if the guest registered an upcall vector, it is injected as soon as the vCPU
     * is interruptible, interrupting a running {@code KVM_RUN} to do so; a halted vCPU's next
     * {@link #runVcpu} injects it instead of returning {@link ExitOutcome.Halted}. Any thread.
     *
     * @param vcpu the vCPU index
     */
    public void kick(int vcpu) {
        vcpus[Objects.checkIndex(vcpu, vcpus.length)].kick();
    }

    /**
     * Waits (for example after {@link ExitOutcome.Halted}) until {@link #kick} marked an upcall pending for
     * vCPU {@code vcpu}, or {@code timeout} passes.
     *
     * @param vcpu the vCPU index
     * @param timeout the longest wait
     * @return whether an upcall is pending
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public boolean awaitUpcall(int vcpu, Duration timeout) throws InterruptedException {
        return vcpus[Objects.checkIndex(vcpu, vcpus.length)].awaitUpcall(timeout.toNanos());
    }

    /**
     * The event upcall vector the guest registered with {@code HVMOP_set_param(HVM_PARAM_CALLBACK_IRQ,
     * 2 << 56 | vector)}, once the handler accepted it.
     *
     * @return the vector, or 0 when the guest registered none (or a method other than the vector one)
     */
    public int upcallVector() {
        return upcallVector.get();
    }

    /**
     * Hypercalls vCPU {@code vcpu} has made so far.
     *
     * @param vcpu the vCPU index
     * @return the count
     */
    public long hypercalls(int vcpu) {
        return vcpus[Objects.checkIndex(vcpu, vcpus.length)].hypercalls();
    }

    /**
     * Exits (returns of {@code KVM_RUN} with an exit reason) of vCPU {@code vcpu} so far.
     *
     * @param vcpu the vCPU index
     * @return the count
     */
    public long exits(int vcpu) {
        return vcpus[Objects.checkIndex(vcpu, vcpus.length)].exits();
    }

    /**
     * The domain id.
     *
     * @return the id hypercalls carry
     */
    public int domid() {
        return domid;
    }

    /**
     * The number of vCPUs.
     *
     * @return the count
     */
    public int vcpus() {
        return vcpus.length;
    }

    /**
     * The guest's memory.
     *
     * @return the memory registered as guest RAM
     */
    public GuestMemory memory() {
        return memory;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the VM is closed");
        }
    }

    /** Closes the vCPUs and the VM; the guest memory stays open (its owner closes it). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Vcpu v : vcpus) {
            v.close();
        }
        Native.close(vmFd);
        Native.close(kvmFd);
    }

    static String describeErrno(int errno) {
        return Errno.describe(errno);
    }
}
