package io.pvkit.conformance.evtchn;

import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.spi.Capability;
import io.pvkit.conformance.spi.DomainConfig;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import io.pvkit.events.EventChannelHypercalls;
import io.pvkit.events.EventChannels;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * The porting SPI over pv-events: {@link EventChannels} + {@link EventChannelHypercalls}, domains with
 * Arena-backed memory and {@code shared_info} in frame 0 (reached through the kit's shared-memory view,
 * {@code SHARED_MEMORY_VIEW}), upcalls counted by the vCPU kicker. A hidden
 * privileged domain 0 exists for broken implementations that misuse privilege. A {@link Bug} can wrap
 * each event_channel_op to make a deliberately broken implementation.
 */
final class EventsHypervisor implements HypervisorUnderTest {

    /** One deliberate bug: intercepts an event_channel_op. */
    interface Bug {
        long around(EventsHypervisor hv, HypercallContext c, EvtchnOp op, long arg, LongSupplier correct);
    }

    static final Bug NONE = (hv, c, op, arg, correct) -> correct.getAsLong();

    final EventChannels channels = new EventChannels();
    /** What pv-events' error handler received: exceptions it caught and answered {@code -EINVAL} for. */
    private final List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    private final EventChannelHypercalls hypercalls = new EventChannelHypercalls(channels, errors::add);
    private final Bug bug;
    private final boolean tearDownOnDestroy;
    private final boolean zombie;
    private final List<GuestMemory> zombieMemories = new ArrayList<>();
    /** Whether the planted bug also sees calls whose argument is not inside the caller's memory. */
    boolean bugOnBadPointers;
    /** A lock a planted bug may take around the operations (pv-events' own locks are internal). */
    final java.util.concurrent.locks.ReentrantLock bugLock = new java.util.concurrent.locks.ReentrantLock();
    private volatile Runnable probe = () -> { };
    private final List<Domain> domains = new ArrayList<>();
    private final GuestMemory dom0Memory = GuestMemory.allocate(1);
    private int nextDomid = 1;
    /** The domains a planted bug is resetting right now (for a bug that lets resets nest). */
    final java.util.Set<Integer> resetsRunning = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Set on a thread while a planted bug runs an operation whose kicks must be lost. */
    private final ThreadLocal<Boolean> kicksLost = ThreadLocal.withInitial(() -> false);

    EventsHypervisor(Bug bug, boolean tearDownOnDestroy) {
        this(bug, tearDownOnDestroy, false);
    }

    /**
     * With {@code zombie}, destruction closes only the ports that have a peer (peers go unbound, with a
     * preemption point every 64 ports) and leaves the domain registered: a dead domain that is not final.
     */
    EventsHypervisor(Bug bug, boolean tearDownOnDestroy, boolean zombie) {
        this.bug = bug;
        this.tearDownOnDestroy = tearDownOnDestroy;
        this.zombie = zombie;
        channels.addDomain(new DomainSpec(0, dom0Memory, 1, true), 0, v -> { });
    }

    /** Installs the preemption probe (forwarded to pv-events, also run by the zombie teardown). */
    void onPreemptionPoint(Runnable hook) {
        this.probe = hook;
        channels.onPreemptionPoint(hook);
    }

    /** Runs the installed preemption probe: a planted bug's own preemption point. */
    void preemptionPoint() {
        probe.run();
    }

    EventsHypervisor() {
        this(NONE, true);
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.UPCALL_COUNT, Capability.SHARED_MEMORY_VIEW);
    }

    @Override
    public DomainUnderTest createDomain(DomainConfig config) {
        if (config.privileged()) {
            throw new UnsupportedOperationException("no privileged test domains");
        }
        Domain d = new Domain(nextDomid++, config);
        domains.add(d);
        return d;
    }

    @Override
    public void destroyDomain(DomainUnderTest domain) {
        if (domains.remove(domain)) {
            Domain d = (Domain) domain;
            if (zombie) {
                for (int p = 1; p < channels.portLimit(d.domid); p++) {
                    if (channels.inspect(d.domid, p).state() == io.pvkit.abi.evtchn.EvtchnStatus.INTERDOMAIN) {
                        channels.close(d.domid, p);
                    }
                    if (p % EventChannels.TEARDOWN_CHUNK == 0) {
                        probe.run();
                    }
                }
                zombieMemories.add(d.memory); // still registered: its shared_info must stay valid
                return;
            }
            if (tearDownOnDestroy) {
                while (!channels.releaseDomain(d.domid, 4 * EventChannels.TEARDOWN_CHUNK)) {
                    Thread.yield(); // a platform would schedule a continuation here
                }
            }
            d.memory.close();
        }
    }

    @Override
    public void close() {
        for (Domain d : List.copyOf(domains)) {
            destroyDomain(d);
        }
        dom0Memory.close();
        zombieMemories.forEach(GuestMemory::close);
    }

    /** The exceptions pv-events' error handler received so far (the kit's {@code unexpectedErrors} hook). */
    List<Throwable> errors() {
        synchronized (errors) {
            return List.copyOf(errors);
        }
    }

    /** A planted bug reports what it caught, as pv-events' catch-all does. */
    void reportError(Throwable t) {
        errors.add(t);
    }

    /** Kicks a vCPU of a live test domain (counted as an upcall), for bugs that kick too often. */
    void kick(int domid, int vcpu) {
        for (Domain d : domains) {
            if (d.domid == domid) {
                d.upcalls.incrementAndGet(vcpu);
            }
        }
    }

    /** The kicks a vCPU of a live test domain received so far, or -1 for another domain (bugs that kick too often). */
    long kicks(int domid, int vcpu) {
        for (Domain d : List.copyOf(domains)) {
            if (d.domid == domid) {
                return d.upcalls.get(vcpu);
            }
        }
        return -1;
    }

    /** Runs {@code op} on this thread with every vCPU kick it makes lost (for bugs that forget to kick). */
    long withoutKicks(LongSupplier op) {
        kicksLost.set(true);
        try {
            return op.getAsLong();
        } finally {
            kicksLost.set(false);
        }
    }

    /**
     * The view through which pv-events reaches a live test domain's {@code shared_info} (the kit's, when a rule asked
     * for one), for bugs that deliver events themselves; null when the domain is not live.
     */
    MemoryAccess viewOf(int domid) {
        for (Domain d : List.copyOf(domains)) {
            if (d.domid == domid) {
                return d.view;
            }
        }
        return null;
    }

    /** The memory of a live test domain, for bugs that poke shared_info. */
    GuestMemory memoryOf(int domid) {
        for (Domain d : domains) {
            if (d.domid == domid) {
                return d.memory;
            }
        }
        throw new IllegalArgumentException("no domain " + domid);
    }

    private final class Domain implements DomainUnderTest {
        final int domid;
        final DomainConfig config;
        final GuestMemory memory;
        /** What pv-events reaches {@code shared_info} through: {@link DomainConfig#sharedView} of the kit's request. */
        final MemoryAccess view;
        final AtomicLongArray upcalls;

        Domain(int domid, DomainConfig config) {
            this.domid = domid;
            this.config = config;
            this.memory = GuestMemory.allocate(config.frames());
            this.upcalls = new AtomicLongArray(config.vcpus());
            this.view = config.sharedView(memory);
            channels.addDomain(new DomainSpec(domid, memory, config.vcpus(), false), view, 0, v -> {
                if (!kicksLost.get()) {
                    upcalls.incrementAndGet(v);
                }
            }, EventChannels.MAX_PORTS_2L);
        }

        @Override
        public int domid() {
            return domid;
        }

        @Override
        public boolean privileged() {
            return false;
        }

        @Override
        public int vcpus() {
            return config.vcpus();
        }

        @Override
        public GuestMemory memory() {
            return memory;
        }

        @Override
        public long hypercall(int vcpu, long op, long a1, long a2, long a3, long a4, long a5) {
            HypercallContext c = HypercallContext.of(domid, vcpu, false, memory);
            // a planted bug sees only arguments inside memory (EVT-21's bad pointers go the correct way), unless it
            // is about bad pointers itself
            if (op == HypercallOp.EVENT_CHANNEL_OP.number() && EvtchnOp.of(a1).isPresent()
                    && (bugOnBadPointers || memory.contains(a2, EvtchnOp.of(a1).get().argLayout().byteSize()))) {
                return bug.around(EventsHypervisor.this, c, EvtchnOp.of(a1).get(), a2,
                        () -> hypercalls.hypercall(c, op, a1, a2, a3, a4, a5));
            }
            return hypercalls.hypercall(c, op, a1, a2, a3, a4, a5);
        }

        @Override
        public long upcallCount(int vcpu) {
            return upcalls.get(vcpu);
        }
    }
}
