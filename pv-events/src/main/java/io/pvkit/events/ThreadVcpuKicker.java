package io.pvkit.events;

import io.pvkit.events.spi.VcpuKicker;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A {@link VcpuKicker} for vCPUs that are threads of this process: a kick unparks the attached thread
 * ({@link LockSupport#unpark}), which then finds {@code evtchn_upcall_pending} set (see
 * {@link UpcallDemultiplexer#awaitUpcallParked(long)}).
 *
 * <p>Thread-safe: threads may be attached and detached while kicks happen. A kick of a vCPU with no
 * attached thread does nothing (the flag stays set and is seen at the next check).
 */
public final class ThreadVcpuKicker implements VcpuKicker {
    private final AtomicReferenceArray<Thread> threads;

    /**
     * A kicker for {@code vcpus} vCPUs.
     *
     * @param vcpus the number of vCPUs, at least 1
     */
    public ThreadVcpuKicker(int vcpus) {
        if (vcpus < 1) {
            throw new IllegalArgumentException("vcpus must be positive, got " + vcpus);
        }
        this.threads = new AtomicReferenceArray<>(vcpus);
    }

    /**
     * Attaches the thread that runs {@code vcpu}.
     *
     * @param vcpu the vCPU index
     * @param thread the thread to unpark on a kick
     */
    public void attach(int vcpu, Thread thread) {
        threads.set(vcpu, Objects.requireNonNull(thread, "thread"));
    }

    /**
     * Detaches the thread of {@code vcpu}.
     *
     * @param vcpu the vCPU index
     */
    public void detach(int vcpu) {
        threads.set(vcpu, null);
    }

    @Override
    public void kick(int vcpu) {
        if (vcpu >= 0 && vcpu < threads.length()) {
            Thread t = threads.get(vcpu);
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }
}
