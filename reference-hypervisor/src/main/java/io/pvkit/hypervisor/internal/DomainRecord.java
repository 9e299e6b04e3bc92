package io.pvkit.hypervisor.internal;

import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.evtchn.VcpuInfoLayout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.abi.spi.GuestEntryPoint;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Everything the core knows about one domain (Xen's {@code struct domain}): identity, memory and its map,
 * vCPU threads, HVM params, lifecycle, counters. Thread-safe.
 *
 * <p>Lifecycle: {@link #RUNNING} → {@link #SHUTDOWN} (the domain asked, or crashed) → {@link #DYING}
 * (destroy started) → {@link #DEAD}. From {@code SHUTDOWN} on every hypercall of the domain answers
 * {@code -ESRCH} and every block/poll returns. Hypercalls in flight are counted so that destroy can wait
 * for them before it releases memory.
 */
public final class DomainRecord {
    /** Phase: running (or blocked). */
    public static final int RUNNING = 0;
    /** Phase: shut down. */
    public static final int SHUTDOWN = 1;
    /** Phase: being destroyed. */
    public static final int DYING = 2;
    /** Phase: destroyed. */
    public static final int DEAD = 3;
    /** {@code HVM_NR_PARAMS} of Xen 4.17. */
    public static final int HVM_NR_PARAMS = 39;

    public final int domid;
    public final String name;
    public final boolean privileged;
    public final int vcpus;
    public final GuestMemory memory;
    public final MemoryMap map;
    public final GuestEntryPoint entry;
    public final VcpuWaker waker;
    /** Ports the builder allocated in this domain for domain 0 (0 for domain 0 itself). */
    public final int consolePort;
    public final int storePort;
    public final int echoPort;

    public final LongAdder hypercalls = new LongAdder();
    public final LongAdder eventsSent = new LongAdder();
    public final LongAdder eventsDelivered = new LongAdder();
    public final LongAdder faults = new LongAdder();
    public final AtomicLongArray hvmParams = new AtomicLongArray(HVM_NR_PARAMS);
    public final HypervisorConsoleBuffer console;

    private final AtomicInteger phase = new AtomicInteger(RUNNING);
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicReference<ShutdownReason> shutdownReason = new AtomicReference<>();
    private final AtomicReference<Throwable> crash = new AtomicReference<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread[] threads;
    private final AtomicInteger liveThreads = new AtomicInteger();
    private volatile int shutdownCode = -1;
    /** vCPUs that run in a guest process (served by its mailbox threads), 0 for an in-process domain. */
    private volatile int remoteVcpus;

    /**
     * A record for a built domain.
     *
     * @param domid the id
     * @param name the name
     * @param privileged the privilege
     * @param vcpus the vCPU count
     * @param memory the memory
     * @param map the memory map
     * @param entry the entry point, or null
     * @param waker the vCPU waker registered with pv-events
     * @param ports console, xenstore and echo ports for domain 0 (zeros for domain 0)
     * @param console the {@code CONSOLEIO_write} line buffer
     */
    public DomainRecord(int domid, String name, boolean privileged, int vcpus, GuestMemory memory, MemoryMap map,
                        GuestEntryPoint entry, VcpuWaker waker, int[] ports, HypervisorConsoleBuffer console) {
        this.domid = domid;
        this.name = name;
        this.privileged = privileged;
        this.vcpus = vcpus;
        this.memory = memory;
        this.map = map;
        this.entry = entry;
        this.waker = waker;
        this.consolePort = ports[0];
        this.storePort = ports[1];
        this.echoPort = ports[2];
        this.console = console;
        this.threads = new Thread[vcpus];
    }

    /** @return vCPUs that run in a guest process, 0 for an in-process domain */
    public int remoteVcpus() {
        return remoteVcpus;
    }

    /** @param vcpus vCPUs that run in a guest process (its session started) or 0 (it ended) */
    public void remoteVcpus(int vcpus) {
        this.remoteVcpus = vcpus;
    }

    /** @return the lifecycle phase */
    public int phase() {
        return phase.get();
    }

    /**
     * Enters a hypercall: false (answer {@code -ESRCH}) once the domain has shut down.
     *
     * @return whether the hypercall may run; if true, {@link #exit()} must follow
     */
    public boolean enter() {
        if (phase.get() != RUNNING) {
            return false;
        }
        inFlight.incrementAndGet();
        if (phase.get() != RUNNING) {
            inFlight.decrementAndGet();
            return false;
        }
        return true;
    }

    /** Leaves a hypercall. */
    public void exit() {
        inFlight.decrementAndGet();
    }

    /** @return hypercalls of this domain running right now */
    public int inFlight() {
        return inFlight.get();
    }

    /**
     * Shuts the domain down (the first reason wins); wakes every waiting vCPU.
     *
     * @param reason why
     * @return true when this call shut the domain down
     */
    public boolean shutdown(ShutdownReason reason) {
        if (!phase.compareAndSet(RUNNING, SHUTDOWN)) {
            return false;
        }
        shutdownReason.compareAndSet(null, reason);
        waker.kickAll();
        stopped.countDown();
        return true;
    }

    /**
     * Records a crash and shuts down with {@link ShutdownReason#CRASH}.
     *
     * @param cause what the guest threw
     */
    public void crash(Throwable cause) {
        crash.compareAndSet(null, cause);
        shutdown(ShutdownReason.CRASH);
    }

    /**
     * Starts destroying: from now on nothing of the domain runs.
     *
     * @return false when a destroy already started
     */
    public boolean beginDying() {
        while (true) {
            int p = phase.get();
            if (p >= DYING) {
                return false;
            }
            if (phase.compareAndSet(p, DYING)) {
                waker.kickAll();
                stopped.countDown();
                return true;
            }
        }
    }

    /** Marks the domain dead. */
    public void dead() {
        phase.set(DEAD);
    }

    /** @return the shutdown reason or null */
    public ShutdownReason shutdownReason() {
        return shutdownReason.get();
    }

    /** @return the crash or null */
    public Throwable crashCause() {
        return crash.get();
    }

    /** @return the code recorded by {@code SCHEDOP_shutdown_code}, or -1 */
    public int shutdownCode() {
        return shutdownCode;
    }

    /** @param code the code recorded by {@code SCHEDOP_shutdown_code} */
    public void shutdownCode(int code) {
        this.shutdownCode = code;
    }

    /** @return the latch counted down at shutdown or destroy */
    public CountDownLatch stopped() {
        return stopped;
    }

    /**
     * Claims the thread slot of a vCPU.
     *
     * @param vcpu the vCPU
     * @param thread its thread (not yet started)
     * @return false when the vCPU already has a thread
     */
    public synchronized boolean attachThread(int vcpu, Thread thread) {
        if (threads[vcpu] != null) {
            return false;
        }
        threads[vcpu] = thread;
        return true;
    }

    /** @return a copy of the vCPU threads (null where none was started) */
    public synchronized Thread[] threads() {
        return threads.clone();
    }

    /** @return the vCPU threads of this domain still running */
    public AtomicInteger liveThreads() {
        return liveThreads;
    }

    /**
     * Whether {@code evtchn_upcall_pending} of a vCPU is set.
     *
     * @param vcpu the vCPU
     * @return the flag
     */
    public boolean upcallPending(int vcpu) {
        return memory.getByte(vcpuInfoGpa(vcpu) + VcpuInfoLayout.UPCALL_PENDING_OFFSET) != 0;
    }

    /**
     * Whether a port's bit is set in {@code evtchn_pending}.
     *
     * @param port a validated port
     * @return the bit
     */
    public boolean portPending(int port) {
        long word = memory.getLongVolatile(map.sharedInfoGpa() + SharedInfoLayout.EVTCHN_PENDING_OFFSET + 8L * (port >>> 6));
        return (word & (1L << (port & 63))) != 0;
    }

    /**
     * The guest-physical address of a vCPU's {@code vcpu_info}.
     *
     * @param vcpu the vCPU
     * @return the address
     */
    public long vcpuInfoGpa(int vcpu) {
        return map.sharedInfoGpa() + SharedInfoLayout.vcpuInfoOffset(vcpu);
    }
}
