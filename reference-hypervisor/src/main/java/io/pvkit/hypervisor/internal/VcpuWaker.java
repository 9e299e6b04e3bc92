package io.pvkit.hypervisor.internal;

import io.pvkit.events.spi.VcpuKicker;

import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Parks a thread that waits in {@code SCHEDOP_block}/{@code SCHEDOP_poll} for a vCPU, and wakes it: the
 * {@link VcpuKicker} pv-events calls when it raises {@code evtchn_upcall_pending} (Xen's
 * {@code vcpu_kick}), and the hypervisor calls at shutdown and destroy.
 *
 * <p>No lost wake-up: a waiter publishes itself, then (after a full fence) evaluates its condition, then
 * parks. A kick that comes before the publication finds the condition already true; one that comes after
 * unparks the waiter (a permit given before {@code park} makes it return at once). Whoever waits is the
 * thread that made the hypercall, so a test thread issuing hypercalls as vCPU 0 through
 * {@code Domain.context(0)} blocks exactly like the vCPU's own thread.
 */
public final class VcpuWaker implements VcpuKicker {
    private final AtomicReferenceArray<Thread> waiters;
    private final AtomicInteger waiting = new AtomicInteger();
    private volatile VcpuKicker forward;

    /**
     * A waker for {@code vcpus} vCPUs.
     *
     * @param vcpus the vCPU count
     */
    public VcpuWaker(int vcpus) {
        this.waiters = new AtomicReferenceArray<>(vcpus);
    }

    @Override
    public void kick(int vcpu) {
        if (vcpu >= 0 && vcpu < waiters.length()) {
            Thread t = waiters.get(vcpu);
            if (t != null) {
                LockSupport.unpark(t);
            }
            VcpuKicker f = forward;
            if (f != null) {
                f.kick(vcpu);
            }
        }
    }

    /**
     * Also kicks {@code kicker} on every kick: a guest whose vCPUs live in another process learns of its
     * upcalls through its mailbox ({@code GuestSession::kick}), while a mailbox server thread parked in
     * {@code SCHEDOP_block}/{@code poll} for it is unparked here as any other waiter.
     *
     * @param kicker the extra kicker, or null for none
     */
    public void forwardTo(VcpuKicker kicker) {
        this.forward = kicker;
    }

    /** Wakes every waiter (shutdown, destroy). */
    public void kickAll() {
        for (int v = 0; v < waiters.length(); v++) {
            kick(v);
        }
    }

    /**
     * The number of threads waiting right now.
     *
     * @return the count
     */
    public int waiting() {
        return waiting.get();
    }

    /**
     * Waits until {@code ready} holds or the deadline passes.
     *
     * @param vcpu the vCPU the caller runs as
     * @param ready the wake-up condition (evaluated on this thread, after every wake-up)
     * @param deadlineNanos a {@link System#nanoTime()} deadline, or {@link Long#MAX_VALUE} for none
     * @param sliceNanos the longest single park: the condition is re-evaluated at least this often, for
     *     conditions no kick announces (a masked port in {@code SCHEDOP_poll})
     * @return true when {@code ready} held, false on timeout
     */
    public boolean await(int vcpu, BooleanSupplier ready, long deadlineNanos, long sliceNanos) {
        Thread me = Thread.currentThread();
        waiters.set(vcpu, me);
        waiting.incrementAndGet();
        try {
            while (true) {
                // ORDERING: the waiter is published before the condition is read; pairs with the kicker
                // that changes the condition, then reads the waiter (pv-events: pending bit, then kick).
                VarHandle.fullFence();
                if (ready.getAsBoolean()) {
                    return true;
                }
                long left = deadlineNanos == Long.MAX_VALUE ? sliceNanos : deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                LockSupport.parkNanos(this, Math.min(left, sliceNanos));
                if (waiters.get(vcpu) != me) {
                    waiters.set(vcpu, me); // another caller as the same vCPU took the slot; take it back
                }
            }
        } finally {
            waiting.decrementAndGet();
            waiters.compareAndSet(vcpu, me, null);
        }
    }
}
