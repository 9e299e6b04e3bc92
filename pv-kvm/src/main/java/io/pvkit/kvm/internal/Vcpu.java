package io.pvkit.kvm.internal;

import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.GuestMemoryFault;
import io.pvkit.abi.platform.HvmOp;
import io.pvkit.abi.platform.HvmParam;
import io.pvkit.abi.platform.SchedOp;
import io.pvkit.abi.platform.SchedShutdownLayout;
import io.pvkit.abi.platform.XenHvmParamLayout;
import io.pvkit.abi.spi.GuestAddressTranslator;
import io.pvkit.abi.spi.HypercallHandler;
import io.pvkit.kvm.ExitOutcome;
import io.pvkit.kvm.GuestPageWalk;
import io.pvkit.kvm.KvmException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * One vCPU: its file descriptor, its {@code kvm_run} mapping, register buffers, and the run loop that
 * serves hypercall exits and the hypercall-page MSR and returns every other exit as an
 * {@link ExitOutcome}.
 *
 * <p>Event upcalls (Xen's {@code HVM_PARAM_CALLBACK_IRQ} vector method): when the guest sets the
 * parameter to {@code 2 << 56 | vector} through {@code hvm_op(HVMOP_set_param)} and the handler accepts
 * it, the domain's upcall vector is recorded; {@link #kick()} then marks an upcall pending and interrupts
 * {@code KVM_RUN}, and the loop injects the vector with {@code KVM_INTERRUPT} as soon as the guest is
 * interruptible (asking KVM for an interrupt-window exit until then), as QEMU does without an in-kernel
 * irqchip. A {@code hlt} with an upcall pending is not returned: the vector is injected instead.
 *
 * <p>Threading: one thread at a time runs a vCPU ({@link #run} refuses a second); {@code kvm_run} is read
 * only after {@code KVM_RUN} returned on that thread. {@link #kick()} and {@link #awaitUpcall} may be
 * called from any thread.
 */
public final class Vcpu implements AutoCloseable {
    private static final int SCHED_OP = HypercallOp.SCHED_OP.number();
    private static final int SCHEDOP_SHUTDOWN = SchedOp.SHUTDOWN.code();
    private static final int HVM_OP = HypercallOp.HVM_OP.number();
    /** {@code HVMIRQ_callback_vector}: the delivery type (bits 63:56) of the vector method. */
    private static final long CALLBACK_VIA_VECTOR = 2;

    private final int index;
    private final int fd;
    private final MemorySegment run;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment regs = arena.allocate(KvmRegsLayout.LAYOUT);
    private final MemorySegment sregs = arena.allocate(KvmSregsLayout.LAYOUT);
    private final MemorySegment interrupt = arena.allocate(KvmInterruptLayout.LAYOUT);
    private final AtomicInteger upcallVector;
    private final AtomicBoolean upcallPending = new AtomicBoolean();
    private final Object upcallLock = new Object();
    private volatile VcpuSignal.Run current;
    private final AtomicBoolean running = new AtomicBoolean();
    private final GuestMemory memory;
    private final HypercallHandler handler;
    private final int domid;
    private final boolean privileged;
    // single writer (the running thread); read by others after or while it runs
    private volatile long hypercalls;
    private volatile long exits;

    /**
     * Creates vCPU {@code index} of a VM and maps its {@code kvm_run}.
     *
     * @param vmFd the VM
     * @param index the vCPU id
     * @param mmapSize {@code KVM_GET_VCPU_MMAP_SIZE}
     * @param cpuid the {@code kvm_cpuid2} table to set
     * @param memory the guest's memory
     * @param handler where hypercalls go
     * @param domid the domain id hypercalls carry
     * @param privileged whether the domain is privileged
     * @param upcallVector the domain's event upcall vector (0: none), shared by its vCPUs
     */
    public Vcpu(int vmFd, int index, int mmapSize, MemorySegment cpuid, GuestMemory memory, HypercallHandler handler,
            int domid, boolean privileged, AtomicInteger upcallVector) {
        this.upcallVector = upcallVector;
        this.index = index;
        this.memory = memory;
        this.handler = handler;
        this.domid = domid;
        this.privileged = privileged;
        this.fd = Native.ioctl(vmFd, KvmAbi.KVM_CREATE_VCPU, "KVM_CREATE_VCPU", index);
        try {
            this.run = Native.mmapShared(fd, mmapSize);
            if (mmapSize < KvmRunLayout.SIZE) {
                throw new KvmException("KVM_GET_VCPU_MMAP_SIZE " + mmapSize + " is smaller than kvm_run");
            }
            Native.ioctl(fd, KvmAbi.KVM_SET_CPUID2, "KVM_SET_CPUID2", cpuid);
        } catch (RuntimeException e) {
            Native.close(fd);
            throw e;
        }
    }

    /**
     * Sets Xen's PVH entry state ({@code docs/misc/pvh.pandoc}): 32-bit protected mode, paging off,
     * CR0 = PE|ET, CR4 = 0, EFER = 0, flat 4 GiB code (selector 0x10) and data (0x18) segments, a 32-bit
     * busy TSS, {@code ebx} = the {@code hvm_start_info} address, eflags = 0x2, every other register 0.
     *
     * @param entry the entry point
     * @param startInfo the {@code hvm_start_info} guest-physical address
     */
    public void setPvhEntryState(long entry, long startInfo) {
        Native.ioctl(fd, KvmAbi.KVM_GET_SREGS, "KVM_GET_SREGS", sregs);
        segment(KvmSregsLayout.CS_OFFSET, 0x10, 0xB, 1);
        for (long seg : new long[] {KvmSregsLayout.DS_OFFSET, KvmSregsLayout.ES_OFFSET, KvmSregsLayout.FS_OFFSET,
                KvmSregsLayout.GS_OFFSET, KvmSregsLayout.SS_OFFSET}) {
            segment(seg, 0x18, 0x3, 1);
        }
        long tr = KvmSregsLayout.TR_OFFSET;
        segment(tr, 0x20, 0xB, 0);
        sregs.set(JAVA_INT, tr + KvmSegmentLayout.LIMIT_OFFSET, 0x67);
        sregs.set(JAVA_BYTE, tr + KvmSegmentLayout.DB_OFFSET, (byte) 0);
        sregs.set(JAVA_BYTE, tr + KvmSegmentLayout.G_OFFSET, (byte) 0);
        sregs.set(JAVA_LONG, KvmSregsLayout.CR0_OFFSET, 0x11L);
        sregs.set(JAVA_LONG, KvmSregsLayout.CR3_OFFSET, 0L);
        sregs.set(JAVA_LONG, KvmSregsLayout.CR4_OFFSET, 0L);
        sregs.set(JAVA_LONG, KvmSregsLayout.EFER_OFFSET, 0L);
        Native.ioctl(fd, KvmAbi.KVM_SET_SREGS, "KVM_SET_SREGS", sregs);
        regs.fill((byte) 0);
        regs.set(JAVA_LONG, KvmRegsLayout.RIP_OFFSET, entry);
        regs.set(JAVA_LONG, KvmRegsLayout.RBX_OFFSET, startInfo);
        regs.set(JAVA_LONG, KvmRegsLayout.RFLAGS_OFFSET, 0x2L);
        Native.ioctl(fd, KvmAbi.KVM_SET_REGS, "KVM_SET_REGS", regs);
    }

    private void segment(long at, int selector, int type, int s) {
        sregs.set(JAVA_LONG, at + KvmSegmentLayout.BASE_OFFSET, 0L);
        sregs.set(JAVA_INT, at + KvmSegmentLayout.LIMIT_OFFSET, 0xFFFFFFFF);
        sregs.set(JAVA_SHORT, at + KvmSegmentLayout.SELECTOR_OFFSET, (short) selector);
        sregs.set(JAVA_BYTE, at + KvmSegmentLayout.TYPE_OFFSET, (byte) type);
        sregs.set(JAVA_BYTE, at + KvmSegmentLayout.PRESENT_OFFSET, (byte) 1);
        sregs.set(JAVA_BYTE, at + KvmSegmentLayout.DPL_OFFSET, (byte) 0);
        sregs.set(JAVA_BYTE, at + KvmSegmentLayout.DB_OFFSET, (byte) 1);
        sregs.set(JAVA_BYTE, at + KvmSegmentLayout.S_OFFSET, (byte) s);
        sregs.set(JAVA_BYTE, at + KvmSegmentLayout.L_OFFSET, (byte) 0);
        sregs.set(JAVA_BYTE, at + KvmSegmentLayout.G_OFFSET, (byte) 1);
        sregs.set(JAVA_BYTE, at + KvmSegmentLayout.UNUSABLE_OFFSET, (byte) 0);
    }

    /**
     * Runs the guest until an exit the caller must handle, or the deadline.
     *
     * @param deadlineNanos the {@link System#nanoTime()} at which to stop the guest; {@code Long.MAX_VALUE}
     *     for never
     * @return why the guest stopped
     */
    public ExitOutcome run(long deadlineNanos) {
        if (!running.compareAndSet(false, true)) {
            throw new IllegalStateException("vCPU " + index + " is already running on another thread");
        }
        run.set(JAVA_BYTE, KvmRunLayout.IMMEDIATE_EXIT_OFFSET, (byte) 0);
        // ORDERING: the kick sets immediate_exit before signalling, so a kick that lands between the
        // deadline check and KVM_RUN still makes KVM_RUN return EINTR at once
        VcpuSignal.Run guard;
        try {
            guard = VcpuSignal.enter(deadlineNanos, () -> run.set(JAVA_BYTE, KvmRunLayout.IMMEDIATE_EXIT_OFFSET, (byte) 1));
        } catch (RuntimeException e) {
            running.set(false);
            throw e;
        }
        current = guard;
        try {
            while (true) {
                if (deadlineNanos != Long.MAX_VALUE && System.nanoTime() - deadlineNanos >= 0) {
                    return new ExitOutcome.DeadlineExceeded();
                }
                injectPendingUpcall();
                int r = Native.ioctlRaw(fd, KvmAbi.KVM_RUN, 0L);
                if (r < 0) {
                    if (-r == Errno.EINTR || -r == Errno.EAGAIN) {
                        // kicked (deadline or upcall) or a stray signal: the loop re-checks the deadline
                        run.set(JAVA_BYTE, KvmRunLayout.IMMEDIATE_EXIT_OFFSET, (byte) 0);
                        continue;
                    }
                    throw new KvmException("ioctl KVM_RUN on vCPU " + index, -r);
                }
                exits++;
                ExitOutcome outcome = onExit(run.get(JAVA_INT, KvmRunLayout.EXIT_REASON_OFFSET));
                if (outcome != null) {
                    return outcome;
                }
            }
        } finally {
            current = null;
            guard.close();
            running.set(false);
        }
    }

    /** Handles one exit; null to re-enter the guest. */
    private ExitOutcome onExit(int reason) {
        return switch (reason) {
            case KvmAbi.KVM_EXIT_IO -> onIo();
            case KvmAbi.KVM_EXIT_X86_WRMSR, KvmAbi.KVM_EXIT_X86_RDMSR -> onMsr(reason == KvmAbi.KVM_EXIT_X86_WRMSR);
            case KvmAbi.KVM_EXIT_INTR, KvmAbi.KVM_EXIT_IRQ_WINDOW_OPEN -> null;
            case KvmAbi.KVM_EXIT_HLT -> upcallVector.get() != 0 && upcallPending.get() ? null : new ExitOutcome.Halted();
            default -> KvmExits.decode(reason, run);
        };
    }

    private ExitOutcome onIo() {
        KvmExits.Io io = KvmExits.io(run);
        if (io.port() != HypercallPage.PORT || !io.out() || io.size() != 4 || io.count() != 1) {
            return KvmExits.unservedIo(io, run);
        }
        return hypercall(Integer.toUnsignedLong((int) io.value()));
    }

    private ExitOutcome hypercall(long op) {
        hypercalls++;
        Native.ioctl(fd, KvmAbi.KVM_GET_REGS, "KVM_GET_REGS", regs);
        long a1 = regs.get(JAVA_LONG, KvmRegsLayout.RDI_OFFSET);
        long a2 = regs.get(JAVA_LONG, KvmRegsLayout.RSI_OFFSET);
        long a3 = regs.get(JAVA_LONG, KvmRegsLayout.RDX_OFFSET);
        long a4 = regs.get(JAVA_LONG, KvmRegsLayout.R10_OFFSET);
        long a5 = regs.get(JAVA_LONG, KvmRegsLayout.R8_OFFSET);
        HypercallContext ctx = new HypercallContext(domid, index, privileged, memory, new LazyTranslator());
        int shutdownReason = -1;
        boolean shutdown = op == SCHED_OP && a1 == SCHEDOP_SHUTDOWN;
        if (shutdown) {
            try {
                shutdownReason = ctx.readInt(a2 + SchedShutdownLayout.REASON_OFFSET);
            } catch (GuestMemoryFault bad) {
                shutdownReason = -1;
            }
        }
        long callbackVia = -1;
        if (op == HVM_OP && a1 == HvmOp.SET_PARAM) {
            try {
                MemorySegment p = ctx.copyIn(a2, XenHvmParamLayout.LAYOUT);
                if (p.get(JAVA_INT, XenHvmParamLayout.INDEX_OFFSET) == HvmParam.CALLBACK_IRQ) {
                    callbackVia = p.get(JAVA_LONG, XenHvmParamLayout.VALUE_OFFSET);
                }
            } catch (GuestMemoryFault bad) {
                callbackVia = -1;
            }
        }
        long rc;
        try {
            rc = handler.hypercall(ctx, op, a1, a2, a3, a4, a5);
        } catch (GuestMemoryFault bad) {
            rc = XenErrno.EFAULT.negated();
        }
        if (shutdown && rc == 0) {
            return new ExitOutcome.Shutdown(shutdownReason);
        }
        if (callbackVia != -1 && rc == 0) {
            // only the vector method can be delivered without an irqchip; any other method turns upcalls off
            upcallVector.set(callbackVia >>> 56 == CALLBACK_VIA_VECTOR ? (int) (callbackVia & 0xFF) : 0);
        }
        // the out instruction completes (rip advances) on the next KVM_RUN; rip is written back unchanged
        regs.set(JAVA_LONG, KvmRegsLayout.RAX_OFFSET, rc);
        Native.ioctl(fd, KvmAbi.KVM_SET_REGS, "KVM_SET_REGS", regs);
        return null;
    }

    private ExitOutcome onMsr(boolean write) {
        int msr = run.get(JAVA_INT, KvmRunLayout.MSR_INDEX_OFFSET);
        long value = run.get(JAVA_LONG, KvmRunLayout.MSR_DATA_OFFSET);
        if (write && msr == XenCpuid.HYPERCALL_PAGE_MSR) {
            // UNTRUSTED: the guest chooses the page; page index (low 12 bits) 0 is the only page offered
            long gpa = value & ~0xFFFL;
            if ((value & 0xFFF) == 0 && memory.contains(gpa, GuestMemory.PAGE_SIZE)) {
                HypercallPage.fill(memory.frame(GuestMemory.gfnOf(gpa)));
                run.set(JAVA_BYTE, KvmRunLayout.MSR_ERROR_OFFSET, (byte) 0);
                return null;
            }
        }
        run.set(JAVA_BYTE, KvmRunLayout.MSR_ERROR_OFFSET, (byte) 1);   // #GP when the guest resumes
        if (!write) {
            run.set(JAVA_LONG, KvmRunLayout.MSR_DATA_OFFSET, 0L);
        }
        return new ExitOutcome.MsrAccess(msr, write, write ? value : 0);
    }

    /**
     * QEMU's {@code kvm_arch_pre_run} without an irqchip: inject the upcall vector when the last exit said
     * the guest is interruptible, otherwise ask KVM to exit as soon as it is.
     */
    private void injectPendingUpcall() {
        int vector = upcallVector.get();
        boolean want = vector != 0 && upcallPending.get();
        if (want && run.get(JAVA_BYTE, KvmRunLayout.READY_FOR_INTERRUPT_INJECTION_OFFSET) != 0
                && run.get(JAVA_BYTE, KvmRunLayout.IF_FLAG_OFFSET) != 0) {
            interrupt.set(JAVA_INT, KvmInterruptLayout.IRQ_OFFSET, vector);
            Native.ioctl(fd, KvmAbi.KVM_INTERRUPT, "KVM_INTERRUPT", interrupt);
            upcallPending.set(false);
            want = false;
        }
        run.set(JAVA_BYTE, KvmRunLayout.REQUEST_INTERRUPT_WINDOW_OFFSET, (byte) (want ? 1 : 0));
    }

    /**
     * An event may be pending for this vCPU: mark an upcall pending, interrupt {@code KVM_RUN} if the vCPU
     * is running, and wake {@link #awaitUpcall}. Any thread.
     */
    public void kick() {
        upcallPending.set(true);
        VcpuSignal.Run r = current;
        if (r != null) {
            r.kick();
        }
        synchronized (upcallLock) {
            upcallLock.notifyAll();
        }
    }

    /**
     * Waits until an upcall is pending (a {@link #kick()}) or the timeout passes.
     *
     * @param timeoutNanos the longest wait
     * @return whether an upcall is pending
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public boolean awaitUpcall(long timeoutNanos) throws InterruptedException {
        long end = System.nanoTime() + timeoutNanos;
        synchronized (upcallLock) {
            while (!upcallPending.get()) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(upcallLock, left);
            }
            return true;
        }
    }

    /** The current paging mode's translator, read from the vCPU's control registers on first use. */
    private final class LazyTranslator implements GuestAddressTranslator {
        private GuestAddressTranslator resolved;

        @Override
        public long toGuestPhysical(long address, long length) {
            if (resolved == null) {
                int r = Native.ioctlRaw(fd, KvmAbi.KVM_GET_SREGS, sregs);
                resolved = r < 0 ? (a, l) -> INVALID : GuestPageWalk.forCpuState(memory,
                        sregs.get(JAVA_LONG, KvmSregsLayout.CR0_OFFSET), sregs.get(JAVA_LONG, KvmSregsLayout.CR3_OFFSET),
                        sregs.get(JAVA_LONG, KvmSregsLayout.CR4_OFFSET), sregs.get(JAVA_LONG, KvmSregsLayout.EFER_OFFSET));
            }
            return resolved.toGuestPhysical(address, length);
        }
    }

    /**
     * Hypercalls served so far.
     *
     * @return the count
     */
    public long hypercalls() {
        return hypercalls;
    }

    /**
     * {@code KVM_RUN} returns that carried an exit so far.
     *
     * @return the count
     */
    public long exits() {
        return exits;
    }

    @Override
    public void close() {
        Native.munmap(run);
        Native.close(fd);
        arena.close();
    }
}
