package io.pvkit.conformance.evtchn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pvkit.abi.DomId;
import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.evtchn.EvtchnStatus;
import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.evtchn.VcpuInfoLayout;
import io.pvkit.abi.evtchn.Virq;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.property.Property;
import io.pvkit.conformance.property.StateMachine;
import io.pvkit.conformance.spi.Capability;
import io.pvkit.conformance.spi.DomainConfig;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Verifies the event-channel rules {@code EVT-01} .. {@code EVT-21} ({@link EventChannelRules}) against a
 * hypervisor under test, through {@code __HYPERVISOR_event_channel_op} (32) and the 2-level bits of each
 * domain's {@code shared_info}.
 *
 * <p>Extend it in your test scope:
 * {@snippet :
 * class MyHypervisorEventChannelConformanceTest extends EventChannelVerification {
 *     @Override
 *     protected HypervisorUnderTest createHypervisor() {
 *         return new MyHypervisorPort();
 *     }
 *
 *     @Override
 *     protected long sharedInfoGfn(DomainUnderTest domain) {
 *         return 0;   // where your hypervisor placed this domain's shared_info
 *     }
 * }
 * }
 *
 * <p>Each test method creates a fresh hypervisor with two unprivileged domains: {@code a} (2 vCPUs) and
 * {@code b} (1 vCPU), each with {@link #domainFrames()} frames; the kit writes hypercall arguments into
 * the last frame. The 2-level port limit is {@link #portLimit()}. {@link Capability#UPCALL_COUNT}, when
 * declared, adds a check of the number of upcalls in {@code EVT-08}/{@code EVT-09}.
 */
public abstract class EventChannelVerification {

    private static final int EINVAL = (int) XenErrno.EINVAL.negated();
    private static final int ENOSPC = (int) XenErrno.ENOSPC.negated();
    private static final int EPERM = (int) XenErrno.EPERM.negated();
    private static final int EAGAIN = (int) XenErrno.EAGAIN.negated();
    private static final int ESRCH = (int) XenErrno.ESRCH.negated();
    private static final int ENOENT = (int) XenErrno.ENOENT.negated();
    private static final int EBUSY = (int) XenErrno.EBUSY.negated();

    private HypervisorUnderTest hypervisor;
    /** The first unprivileged test domain (2 vCPUs). */
    private DomainUnderTest a;
    /** The second unprivileged test domain (1 vCPU). */
    private DomainUnderTest b;
    private final List<DomainUnderTest> domains = new ArrayList<>();
    /** Unexpected exceptions the implementation reported ({@link #unexpectedErrors}), checked after each rule. */
    private final List<Throwable> modelErrors = java.util.Collections.synchronizedList(new ArrayList<>());

    /** For subclasses. */
    protected EventChannelVerification() {
    }

    /**
     * Creates a fresh hypervisor under test; called before every test method and closed after it.
     *
     * @return the hypervisor
     */
    protected abstract HypervisorUnderTest createHypervisor();

    /**
     * The frame of {@code domain}'s memory that holds its {@code shared_info} (must not be the last frame,
     * which the kit uses for hypercall arguments).
     *
     * @param domain a domain created by the hypervisor under test
     * @return the guest frame number
     */
    protected abstract long sharedInfoGfn(DomainUnderTest domain);

    /**
     * The memory of each test domain in frames (default 4).
     *
     * @return the number of frames, at least 2
     */
    protected long domainFrames() {
        return 4;
    }

    /**
     * The number of 2-level ports of each test domain (default {@code EVTCHN_2L_NR_CHANNELS} = 4096).
     *
     * @return the port limit
     */
    protected int portLimit() {
        return SharedInfoLayout.NR_2L_CHANNELS;
    }

    /**
     * Capability hook: whether the implementation supports {@code EVTCHNOP_reset} (default true).
     *
     * @return false to skip {@code EVT-05} and the reset part of {@code EVT-06}
     */
    protected boolean supportsReset() {
        return true;
    }

    /**
     * Capability hook for the preemption part of {@code EVT-06}: makes the hypervisor run {@code probe} at
     * every preemption point of {@code EVTCHNOP_reset} and of domain destruction (where a long teardown
     * stops to let other work run, with no lock held), on the tearing-down thread. The kit calls it again
     * with a no-op probe when the test ends.
     *
     * @param hypervisor the hypervisor created by {@link #createHypervisor()}
     * @param probe what to run at each preemption point
     * @return false (default) when the implementation cannot report preemption points (that test is skipped)
     */
    protected boolean installPreemptionProbe(HypervisorUnderTest hypervisor, Runnable probe) {
        return false;
    }

    /**
     * The most ports a teardown may close between two preemption points (default 256; Xen checks every 64).
     *
     * @return the bound
     */
    protected int maxPortsPerPreemptionChunk() {
        return 256;
    }

    /**
     * Capability hook for {@code EVT-20}: makes the hypervisor raise VIRQ {@code virq} for {@code vcpu} of
     * {@code domain}, as its timer or console would (Xen's {@code send_guest_vcpu_virq} for a per-vCPU VIRQ,
     * {@code send_guest_global_virq} for a global one, which ignores {@code vcpu}). The kit passes any value,
     * including VIRQ numbers and vCPUs that do not exist (nothing may happen then, and nothing may be thrown).
     *
     * @param hypervisor the hypervisor created by {@link #createHypervisor()}
     * @param domain the target domain
     * @param vcpu the vCPU (per-vCPU VIRQs)
     * @param virq the VIRQ number
     * @return false (default) when the implementation cannot raise VIRQs on request ({@code EVT-20} is skipped)
     */
    protected boolean raiseVirq(HypervisorUnderTest hypervisor, DomainUnderTest domain, int vcpu, int virq) {
        return false;
    }

    /**
     * How long the kit waits for calls it makes on another thread before it reports them blocked: {@code EVT-19}'s
     * probe after each operation (a lock left held), the calls {@code EVT-05}, {@code EVT-06} and {@code EVT-18} make
     * at a preemption point, and {@code EVT-05}'s racing threads (default 30 s: a hang detector on a loaded machine,
     * never a performance bound; a shorter wait only makes a blocked call fail sooner).
     *
     * @return the wait in seconds, at least 1
     */
    protected int lockProbeSeconds() {
        return 30;
    }

    /**
     * The property used by the model-based rule {@code EVT-17}. Override only to pin a seed (for example a
     * self-test's broken implementation with a known failing seed); the default takes tries and seed from
     * {@code -Dpvkit.tries} / {@code -Dpvkit.seed}.
     *
     * @return the property
     */
    protected Property modelProperty() {
        return Property.named("EVT-17 event channels vs model");
    }

    /**
     * Capability hook: the unexpected exceptions the implementation caught so far and answered for with an
     * ordinary result (a bug it hid from the guest, e.g. an unchecked array index that a catch-all turned into
     * {@code -EINVAL}; for pv-events, what its {@code ErrorHandler} received). When supported, every rule
     * additionally requires that the implementation saw none while the kit ran it, so that a range check
     * replaced by a caught exception does not pass as a correct {@code -EINVAL}.
     *
     * @param hypervisor a hypervisor created by {@link #createHypervisor()} (also those of {@code EVT-17})
     * @return a snapshot of the exceptions caught since it was created, or null (default) when the
     *     implementation cannot report them (the check is skipped)
     */
    protected List<Throwable> unexpectedErrors(HypervisorUnderTest hypervisor) {
        return null;
    }

    /**
     * Creates the hypervisor and the test domains.
     */
    @BeforeEach
    public void setUpHypervisor() {
        hypervisor = createHypervisor();
        assertNotNull(hypervisor, "createHypervisor() returned null");
        a = create(2);
        b = create(1);
    }

    /**
     * Destroys the remaining test domains and closes the hypervisor.
     */
    @AfterEach
    public void tearDownHypervisor() {
        if (hypervisor != null) {
            for (DomainUnderTest d : domains) {
                hypervisor.destroyDomain(d);
            }
            domains.clear();
            List<Throwable> errors = unexpectedErrors(hypervisor);
            if (errors != null) {
                modelErrors.addAll(errors);
            }
            hypervisor.close();
        }
        List<Throwable> errors = List.copyOf(modelErrors);
        modelErrors.clear();
        if (!errors.isEmpty()) {
            AssertionError e = new AssertionError("the implementation caught " + errors.size() + " unexpected "
                    + "exception(s) while the kit ran this rule and answered the guest as if nothing happened "
                    + "(a check replaced by a caught exception, e.g. a port used as an index before its range "
                    + "check); first: " + errors.getFirst(), errors.getFirst());
            throw e;
        }
    }

    private DomainUnderTest create(int vcpus) {
        DomainUnderTest d = hypervisor.createDomain(new DomainConfig(domainFrames(), vcpus, false));
        domains.add(d);
        return d;
    }

    // ------------------------------------------------------------------------------------ EVT-01

    /**
     * Rule {@linkplain EventChannelRules EVT-01} ({@code RULES.md#evt-01}): at exhaustion every allocating
     * op returns {@code -ENOSPC} and changes nothing.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>{@code get_free_port} stops at the port limit and returns {@code -ENOSPC} (not another errno, not 0);</li>
     *   <li>the {@code bind_virq}/{@code bind_ipi}/{@code bind_interdomain} error paths do not leave a half-bound
     *       port or a {@code virq_to_evtchn} entry behind (XSA-496);</li>
     *   <li>another domain can still allocate ports.</li>
     * </ul>
     */
    @Test
    public void required_EVT_01_exhaustionReturnsEnospcWithoutSideEffects() {
        Set<Integer> allocated = new TreeSet<>();
        for (int i = 1; i < portLimit(); i++) {
            int p = allocUnbound(a, DomId.SELF, b.domid());
            assertTrue(p > 0 && p < portLimit(), "allocation " + i + " of " + (portLimit() - 1) + " failed: "
                    + XenErrno.describe(p));
            assertTrue(allocated.add(p), "port " + p + " allocated twice");
        }
        assertEquals(ENOSPC, allocUnbound(a, DomId.SELF, b.domid()), "alloc_unbound at exhaustion");
        assertEquals(ENOSPC, bindVirq(a, Virq.TIMER.code(), 0), "bind_virq at exhaustion");
        assertEquals(ENOSPC, bindIpi(a, 0), "bind_ipi at exhaustion");
        int offered = allocUnbound(b, DomId.SELF, a.domid());
        assertTrue(offered > 0, "the other domain is unaffected");
        assertEquals(ENOSPC, bindInterdomain(a, b.domid(), offered), "bind_interdomain at exhaustion");
        assertEquals(EvtchnStatus.UNBOUND.code(), status(b, DomId.SELF, offered)[1], "remote port untouched");
        for (int port = 1; port < portLimit(); port++) {
            int[] s = status(a, DomId.SELF, port);
            assertEquals(EvtchnStatus.UNBOUND.code(), s[1], "port " + port + " after the failed allocations");
            assertEquals(b.domid(), s[3], "port " + port + " is still offered to b");
        }
        assertEquals(0, close(a, 7), "free one port");
        int virqPort = bindVirq(a, Virq.TIMER.code(), 0);
        assertEquals(7, virqPort, "the freed port is reused; the failed bind_virq left no stale binding");
        assertEquals(ENOSPC, bindIpi(a, 0), "full again after the reuse");
    }

    // ------------------------------------------------------------------------------------ EVT-02

    /**
     * Rule {@linkplain EventChannelRules EVT-02} ({@code RULES.md#evt-02}): bad and never-allocated ports
     * are refused with {@code -EINVAL}.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the port is validated with an unsigned comparison against the limit before any array access;</li>
     *   <li>a free port's state is checked before send/close/bind_vcpu act on it;</li>
     *   <li>status of a free port in range returns 0 with {@code EVTCHNSTAT_closed}.</li>
     * </ul>
     */
    @Test
    public void required_EVT_02_badPortsAreRefused() {
        List<Integer> bad = new ArrayList<>(List.of(Integer.MAX_VALUE, Integer.MIN_VALUE, 0xFFFF, 0x10000));
        for (int i = 0; i < 130; i++) {
            bad.add(portLimit() + i); // just past the limit (the next 2-level word and bucket)
            bad.add(-1 - i); // negative = huge as u32
        }
        for (int port : bad) {
            assertEquals(EINVAL, send(a, port), "send(" + port + ")");
            assertEquals(EINVAL, close(a, port), "close(" + port + ")");
            assertEquals(EINVAL, unmask(a, port), "unmask(" + port + ")");
            assertEquals(EINVAL, status(a, DomId.SELF, port)[0], "status(" + port + ")");
            assertEquals(EINVAL, bindVcpu(a, port, 0), "bind_vcpu(" + port + ")");
        }
        // every port up to the limit (XTF xsa-221 walks them all); port 0 is reserved and never allocated
        for (int port = 0; port < portLimit(); port++) {
            assertEquals(EINVAL, send(a, port), "send on never-allocated " + port);
            assertEquals(EINVAL, close(a, port), "close of never-allocated " + port);
            assertEquals(EINVAL, bindVcpu(a, port, 0), "bind_vcpu of never-allocated " + port);
            int[] s = status(a, DomId.SELF, port);
            assertEquals(0, s[0], "status of never-allocated " + port);
            assertEquals(EvtchnStatus.CLOSED.code(), s[1], "status of never-allocated " + port);
        }
        assertEquals(1, allocUnbound(a, DomId.SELF, b.domid()), "nothing was allocated by the bad calls");
    }

    // ------------------------------------------------------------------------------------ EVT-03

    /**
     * Rule {@linkplain EventChannelRules EVT-03} ({@code RULES.md#evt-03}): no port at or above the limit.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>allocation never returns a port {@code >= EVTCHN_2L_NR_CHANNELS};</li>
     *   <li>status answers {@code -EINVAL} for every port from the limit on, never a fabricated status;</li>
     *   <li>allocated ports keep their state while other ports come and go.</li>
     * </ul>
     */
    @Test
    public void required_EVT_03_portsStayBelowTheLimit() {
        List<Integer> ports = new ArrayList<>();
        for (int i = 1; i < portLimit(); i++) {
            int p = bindIpi(a, i % 2);
            assertTrue(p > 0 && p < portLimit(), "port " + p + " outside 1.." + (portLimit() - 1));
            ports.add(p);
        }
        for (int port = portLimit(); port < portLimit() + 130; port++) {
            assertEquals(EINVAL, status(a, DomId.SELF, port)[0], "status(" + port + ") beyond the limit");
            assertEquals(EINVAL, send(a, port), "send(" + port + ") beyond the limit");
        }
        for (int i = 0; i < ports.size(); i += 2) {
            assertEquals(0, close(a, ports.get(i)));
        }
        for (int i = 1; i < ports.size(); i += 2) {
            assertEquals(EvtchnStatus.IPI.code(), status(a, DomId.SELF, ports.get(i))[1], "port " + ports.get(i));
        }
    }

    // ------------------------------------------------------------------------------------ EVT-04

    /**
     * Rule {@linkplain EventChannelRules EVT-04} ({@code RULES.md#evt-04}): close withdraws a pending event.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>close clears the port's pending bit ({@code evtchn_free} → {@code clear_pending});</li>
     *   <li>after close, the peer's send is dropped (the peer is unbound), not delivered to the old port;</li>
     *   <li>a reallocated port is not born pending and has the new binding's vCPU (0).</li>
     * </ul>
     */
    @Test
    public void required_EVT_04_closeWithdrawsPendingAndReuseIsClean() {
        int[] ch = connect(a, b);
        int ap = ch[0];
        int bp = ch[1];
        assertEquals(0, bindVcpu(a, ap, 1));
        assertEquals(0, send(b, bp));
        assertTrue(pending(a, ap), "sent event pending");
        assertEquals(0, close(a, ap));
        assertTrue(!pending(a, ap), "close must clear the pending bit");
        assertEquals(0, send(b, bp), "the peer is unbound now: dropped");
        assertTrue(!pending(a, ap), "an event after close goes nowhere");
        int again = allocUnbound(a, DomId.SELF, b.domid());
        assertEquals(ap, again, "lowest free port is reused");
        assertTrue(!pending(a, again), "reused port is not born pending");
        int[] s = status(a, DomId.SELF, again);
        assertEquals(EvtchnStatus.UNBOUND.code(), s[1]);
        assertEquals(0, s[2], "a reused port notifies vCPU 0");
    }

    // ------------------------------------------------------------------------------------ EVT-05

    /**
     * Rule {@linkplain EventChannelRules EVT-05} ({@code RULES.md#evt-05}): reset racing send and
     * alloc_unbound, repeated.
     *
     * <p>Each round binds 32 channels {@code a}↔{@code b} and an IPI, then resets {@code a} on vCPU 0 while
     * vCPU 1 sends on those ports and allocates up to 8 unbound ports. Right after the racing reset (the
     * racing threads stop with it), the reset must have returned 0 or {@code -EAGAIN}; every peer in
     * {@code b} must be unbound; every port of {@code a} in use must be one the racing allocator got; and if
     * the reset returned 0 it left no port open, so the ports in use are only those allocated after it, which
     * lowest-free-first allocation numbers 1, 2, ... (a port above a free one survived the reset).
     *
     * <p>First, one deterministic round: with {@link #installPreemptionProbe}, vCPU 1 allocates a port and sends
     * exactly at the reset's first preemption point, so the interleaving that a snapshot-closing reset gets wrong
     * happens on every run; that port was allocated while the reset ran, so if it is still open afterwards the reset
     * must have returned {@code -EAGAIN} (not 0); a second reset vCPU 1 starts there must be refused with
     * {@code -EBUSY}. The 20 racing rounds then cover implementations without the probe.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>reset walks the ports under the same lock(s) as alloc_unbound, and returns {@code -EAGAIN} when a
     *       port was allocated while it ran (Xen 8d385b247b) instead of 0;</li>
     *   <li>reset does not close a snapshot of the ports taken before dropping the lock;</li>
     *   <li>a racing call never sees a half-closed port (an exception or a positive result from send).</li>
     * </ul>
     *
     * @throws InterruptedException when interrupted while joining the racing threads
     */
    @Test
    public void required_EVT_05_resetRacingSendAndAllocIsSafe() throws InterruptedException {
        Assumptions.assumeTrue(supportsReset(), "EVTCHNOP_reset not supported");
        forcedInterleaving();
        for (int round = 0; round < 20; round++) {
            raceResetOnce(round);
        }
    }

    /**
     * The deterministic part of EVT-05: at the reset's first preemption point (through
     * {@link #installPreemptionProbe}), vCPU 1 of the same domain allocates a port, sends on an IPI port and starts a
     * second reset of the domain (which must be refused with {@code -EBUSY}), and the reset continues only after
     * they returned (or {@link #lockProbeSeconds()} passed). A reset that closes a
     * snapshot of the ports taken before the preemption point then reports success with the new port open above free
     * ones, and a reset that leaves the new port open without answering {@code -EAGAIN} is wrong, on every run. An
     * implementation without the probe, or whose reset of 33 ports reaches no preemption point, gets only the
     * racing rounds.
     */
    private void forcedInterleaving() throws InterruptedException {
        List<int[]> before = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            before.add(connect(a, b));
        }
        int ipi = bindIpi(a, 1);
        ConcurrentLinkedQueue<String> bad = new ConcurrentLinkedQueue<>();
        Set<Integer> allocated = java.util.concurrent.ConcurrentHashMap.newKeySet();
        AtomicBoolean fired = new AtomicBoolean();
        java.util.concurrent.ExecutorService vcpu1 = java.util.concurrent.Executors.newSingleThreadExecutor();
        Runnable probe = () -> {
            if (!fired.compareAndSet(false, true)) {
                return;
            }
            java.util.concurrent.Future<?> f = vcpu1.submit(() -> {
                long r = raw(a, 1, EvtchnOp.ALLOC_UNBOUND, 3072, DomId.SELF | (b.domid() << 16), bad);
                if (r == 0) {
                    allocated.add(a.memory().getInt(argGpa(a) + 3072 + 4));
                } else if (r != ENOSPC) {
                    bad.add("alloc_unbound at the reset's preemption point returned " + XenErrno.describe(r));
                }
                long s = raw(a, 1, EvtchnOp.SEND, 2048, ipi, bad);
                if (s != 0 && s != EINVAL) {
                    bad.add("send at the reset's preemption point returned " + XenErrno.describe(s));
                }
                // reset {dom = SELF} at offset 1536: a reset is in progress (Xen's evtchn_reset: -EBUSY)
                long nested = raw(a, 1, EvtchnOp.RESET, 1536, DomId.SELF, bad);
                if (nested != EBUSY) {
                    bad.add("a second reset of the domain, started at the first reset's preemption point, returned "
                            + XenErrno.describe(nested) + " (a reset is in progress: -EBUSY, and nothing closed)");
                }
            });
            try {
                f.get(lockProbeSeconds(), TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                bad.add("vCPU 1's alloc_unbound/send blocked at the reset's preemption point for " + lockProbeSeconds()
                        + " s");
                f.cancel(true);
            } catch (java.util.concurrent.ExecutionException | InterruptedException e) {
                bad.add("vCPU 1's calls at the preemption point failed: " + e);
            }
        };
        int r;
        try {
            installPreemptionProbe(hypervisor, probe);   // without a probe: one more plain reset round
            r = reset(a, DomId.SELF);
        } finally {
            installPreemptionProbe(hypervisor, () -> { });
            vcpu1.shutdownNow();
            assertTrue(vcpu1.awaitTermination(lockProbeSeconds(), TimeUnit.SECONDS), "vCPU 1's thread did not stop");
        }
        // the port vCPU 1 got was allocated strictly while the reset ran: if it is still open, the reset must say so
        checkAfterReset("forced interleaving (alloc_unbound at the reset's first preemption point"
                + (fired.get() ? ")" : ", never reached)"), r, before, allocated, bad, fired.get());
    }

    private void raceResetOnce(int round) throws InterruptedException {
        List<int[]> before = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            before.add(connect(a, b));
        }
        int ipi = bindIpi(a, 1);
        ConcurrentLinkedQueue<String> bad = new ConcurrentLinkedQueue<>();
        Set<Integer> allocated = java.util.concurrent.ConcurrentHashMap.newKeySet();
        AtomicBoolean resetDone = new AtomicBoolean();
        CountDownLatch start = new CountDownLatch(2);
        Thread sender = Thread.ofPlatform().daemon(true).name("evt-05-send").start(() -> {
            start.countDown();
            await(start);
            for (int i = 0; !resetDone.get() || i < 8; i++) {
                int port = i % 2 == 0 ? ipi : before.get(i % before.size())[0];
                long r = raw(a, 1, EvtchnOp.SEND, 2048, port, bad);
                if (r != 0 && r != EINVAL) {
                    bad.add("send returned " + XenErrno.describe(r));
                }
            }
        });
        Thread allocator = Thread.ofPlatform().daemon(true).name("evt-05-alloc").start(() -> {
            start.countDown();
            await(start);
            for (int i = 0; i < 8 && !resetDone.get(); i++) {
                // alloc_unbound {dom = SELF, remote_dom = b}
                long r = raw(a, 1, EvtchnOp.ALLOC_UNBOUND, 3072, DomId.SELF | (b.domid() << 16), bad);
                if (r == 0) {
                    allocated.add(a.memory().getInt(argGpa(a) + 3072 + 4));
                } else if (r != ENOSPC) {
                    bad.add("alloc_unbound returned " + XenErrno.describe(r));
                }
            }
        });
        await(start);
        int r = reset(a, DomId.SELF);
        resetDone.set(true);
        sender.join(TimeUnit.SECONDS.toMillis(lockProbeSeconds()));
        allocator.join(TimeUnit.SECONDS.toMillis(lockProbeSeconds()));
        assertTrue(!sender.isAlive() && !allocator.isAlive(), "round " + round + ": racing calls did not finish");
        checkAfterReset("round " + round, r, before, allocated, bad, false);
    }

    /**
     * EVT-05's checks after a reset of {@code a} that raced other calls of {@code a}; then cleans up. With
     * {@code allocatedDuringReset}, every port in {@code allocated} was allocated while the reset ran (not perhaps
     * after it returned, as a racing round's may be), so the reset must answer {@code -EAGAIN} if one is still open.
     */
    private void checkAfterReset(String what, int r, List<int[]> before, Set<Integer> allocated,
            ConcurrentLinkedQueue<String> bad, boolean allocatedDuringReset) {
        assertTrue(bad.isEmpty(), what + ": racing calls misbehaved: " + bad);
        assertTrue(r == 0 || r == EAGAIN, what + ": reset returned " + XenErrno.describe(r));
        for (int[] ch : before) {
            int[] s = status(b, DomId.SELF, ch[1]);
            assertEquals(EvtchnStatus.UNBOUND.code(), s[1], what + ": b's peer port " + ch[1]
                    + " after a's reset");
            assertEquals(a.domid(), s[3], what + ": b's port " + ch[1] + " offered back to a");
        }
        List<Integer> inUse = new ArrayList<>();
        for (int port = 1; port < portLimit(); port++) {
            int[] s = status(a, DomId.SELF, port);
            if (s[1] != EvtchnStatus.CLOSED.code()) {
                inUse.add(port);
                assertTrue(allocated.contains(port), what + ": port " + port + " (status " + s[1]
                        + ") survived the reset but was not allocated by the racing vCPU " + allocated);
                assertEquals(EvtchnStatus.UNBOUND.code(), s[1], what + ": port " + port);
            }
        }
        if (r == 0) {
            for (int i = 0; i < inUse.size(); i++) {
                int port = inUse.get(i);
                assertEquals(i + 1, port, what + ": reset returned 0 but port " + port
                        + " is open while port " + (i + 1) + " is free (in use: " + inUse
                        + "): a port allocated during the reset survived it");
            }
        }
        if (allocatedDuringReset && !inUse.isEmpty()) {
            assertEquals(EAGAIN, r, what + ": port(s) " + inUse + " allocated by vCPU 1 while the reset ran are "
                    + "still open, but the reset returned " + XenErrno.describe(r) + " (a reset that leaves a port "
                    + "open must answer -EAGAIN, Xen 8d385b247b)");
        }
        assertEquals(0, reset(a, DomId.SELF), what + ": reset without a race");
        for (int[] ch : before) {
            assertEquals(0, close(b, ch[1]));
        }
    }

    // ------------------------------------------------------------------------------------ EVT-06

    /**
     * Rule {@linkplain EventChannelRules EVT-06} ({@code RULES.md#evt-06}): reset and destroy close every
     * port however many, and leave every peer consistent.
     *
     * <p>All 4095 ports of {@code a} are bound to all 4095 ports of a third domain {@code c}; resetting
     * {@code a} must turn every port of {@code c} back into an unbound port offered to {@code a}; after
     * binding them all again, destroying {@code c} must do the same for every port of {@code a}.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>a preemptible reset continues where it stopped until the last port (no early "done");</li>
     *   <li>domain destruction walks every port bucket, not just the first;</li>
     *   <li>peers of ports beyond the first few hundred are released too.</li>
     * </ul>
     */
    @Test
    public void required_EVT_06_resetAndDestroyCloseEveryPort() {
        Assumptions.assumeTrue(supportsReset(), "EVTCHNOP_reset not supported");
        DomainUnderTest c = create(1);
        int[] cPorts = bindAllPorts(c);
        assertEquals(0, reset(a, DomId.SELF));
        for (int port = 1; port < portLimit(); port++) {
            assertEquals(EvtchnStatus.CLOSED.code(), status(a, DomId.SELF, port)[1], "port " + port + " after reset");
        }
        for (int cp : cPorts) {
            int[] s = status(c, DomId.SELF, cp);
            assertEquals(EvtchnStatus.UNBOUND.code(), s[1], "c's peer port " + cp + " after a's reset");
            assertEquals(a.domid(), s[3], "c's port " + cp + " offered back to a");
        }
        int[] aPorts = new int[cPorts.length];
        for (int i = 0; i < cPorts.length; i++) {
            aPorts[i] = bindInterdomain(a, c.domid(), cPorts[i]);
            assertTrue(aPorts[i] > 0, "rebinding c's port " + cPorts[i] + ": " + XenErrno.describe(aPorts[i]));
        }
        domains.remove(c);
        hypervisor.destroyDomain(c);
        for (int ap : aPorts) {
            int[] s = status(a, DomId.SELF, ap);
            assertEquals(EvtchnStatus.UNBOUND.code(), s[1], "a's peer port " + ap + " after c's destruction");
            assertEquals(c.domid(), s[3], "a's port " + ap + " offered to the dead domain");
        }
        int[] ch = connect(b, b);
        assertEquals(0, send(b, ch[1]), "other domains work after the teardown");
    }

    /**
     * Rule {@linkplain EventChannelRules EVT-06} ({@code RULES.md#evt-06}): a reset or destruction of a domain
     * with every port bound is preemptible, in bounded chunks, and other domains keep working meanwhile.
     *
     * <p>Needs {@link #installPreemptionProbe}: at each preemption point the kit counts, from another thread
     * and through another domain's hypercalls, how many of that domain's ports are still bound to the domain
     * being torn down. It requires at least two preemption points per teardown of 4095 ports, at most
     * {@link #maxPortsPerPreemptionChunk()} ports closed between two of them, and every count to complete
     * (an operation of another domain blocked at a preemption point waits {@link #lockProbeSeconds()}, then fails).
     * No timing is measured.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>reset and domain destruction check for preemption every few dozen ports (Xen: 64) and continue
     *       later (hypercall continuation), instead of closing 4095 ports in one go;</li>
     *   <li>no lock that other domains' operations need is held across a preemption point.</li>
     * </ul>
     *
     * @throws InterruptedException when interrupted while waiting for the probe
     */
    @Test
    public void required_EVT_06_teardownIsPreemptibleInBoundedChunks() throws InterruptedException {
        Assumptions.assumeTrue(supportsReset(), "EVTCHNOP_reset not supported");
        DomainUnderTest c = create(1);
        int[] cPorts = bindAllPorts(c);
        java.util.concurrent.ExecutorService probeThread = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            List<Integer> counts = java.util.Collections.synchronizedList(new ArrayList<>());
            ConcurrentLinkedQueue<String> blocked = new ConcurrentLinkedQueue<>();
            DomainUnderTest[] watched = {c};
            Runnable probe = () -> {
                DomainUnderTest w = watched[0];
                java.util.concurrent.Future<Integer> f = probeThread.submit(() -> countInState(w, EvtchnStatus.INTERDOMAIN));
                try {
                    counts.add(f.get(lockProbeSeconds(), TimeUnit.SECONDS));
                } catch (java.util.concurrent.TimeoutException e) {
                    blocked.add("dom" + w.domid() + "'s status calls blocked at a preemption point");
                    f.cancel(true);
                } catch (java.util.concurrent.ExecutionException | InterruptedException e) {
                    blocked.add("probe failed: " + e);
                }
            };
            Assumptions.assumeTrue(installPreemptionProbe(hypervisor, probe),
                    "the implementation does not report preemption points (installPreemptionProbe)");
            assertEquals(0, reset(a, DomId.SELF));
            checkChunks("reset of a", List.copyOf(counts), blocked, cPorts.length);
            assertEquals(0, countInState(c, EvtchnStatus.INTERDOMAIN), "c's ports still bound after a's reset");
            for (int cp : cPorts) {
                assertTrue(bindInterdomain(a, c.domid(), cp) > 0, "rebinding c's port " + cp);
            }
            counts.clear();
            watched[0] = a;
            domains.remove(c);
            hypervisor.destroyDomain(c);
            checkChunks("destruction of c", List.copyOf(counts), blocked, cPorts.length);
            assertEquals(0, countInState(a, EvtchnStatus.INTERDOMAIN), "a's ports still bound after c's destruction");
        } finally {
            installPreemptionProbe(hypervisor, () -> { });
            probeThread.shutdownNow();
            assertTrue(probeThread.awaitTermination(lockProbeSeconds(), TimeUnit.SECONDS), "probe thread did not stop");
        }
    }

    private void checkChunks(String what, List<Integer> counts, ConcurrentLinkedQueue<String> blocked, int ports) {
        assertTrue(blocked.isEmpty(), what + ": " + blocked);
        assertTrue(counts.size() >= 2, what + " of " + ports + " bound ports reached " + counts.size()
                + " preemption points: not preemptible");
        int previous = ports;
        for (int i = 0; i < counts.size(); i++) {
            int now = counts.get(i);
            assertTrue(now <= previous, what + ": peers bound again between preemption points " + counts);
            assertTrue(previous - now <= maxPortsPerPreemptionChunk(), what + ": " + (previous - now)
                    + " ports closed before preemption point " + i + " (bound " + maxPortsPerPreemptionChunk()
                    + "): " + counts);
            previous = now;
        }
        assertTrue(previous <= maxPortsPerPreemptionChunk(), what + ": " + previous
                + " ports closed after the last preemption point: " + counts);
    }

    /** Binds every free port of {@code a} to a port {@code c} offers; returns c's ports. */
    private int[] bindAllPorts(DomainUnderTest c) {
        int n = portLimit() - 1;
        int[] cPorts = new int[n];
        for (int i = 0; i < n; i++) {
            cPorts[i] = allocUnbound(c, DomId.SELF, a.domid());
            assertTrue(cPorts[i] > 0, "c's alloc_unbound " + i + ": " + XenErrno.describe(cPorts[i]));
            int local = bindInterdomain(a, c.domid(), cPorts[i]);
            assertTrue(local > 0, "a's bind_interdomain " + i + ": " + XenErrno.describe(local));
        }
        return cPorts;
    }

    /** How many ports of {@code d} are in {@code state}, by status hypercalls of {@code d} (argument at offset 1024). */
    private int countInState(DomainUnderTest d, EvtchnStatus state) {
        int n = 0;
        GuestMemory m = d.memory();
        long arg = argGpa(d) + 1024;
        for (int port = 1; port < portLimit(); port++) {
            m.fill(arg, 24, (byte) 0);
            m.setShort(arg, (short) DomId.SELF);
            m.setInt(arg + 4, port);
            long r = d.hypercall(0, HypercallOp.EVENT_CHANNEL_OP.number(), EvtchnOp.STATUS.code(), arg, 0, 0, 0);
            if (r == 0 && m.getInt(arg + 8) == state.code()) {
                n++;
            }
        }
        return n;
    }

    // ------------------------------------------------------------------------------------ EVT-07

    /**
     * Rule {@linkplain EventChannelRules EVT-07} ({@code RULES.md#evt-07}): a bad FIFO control block leaves
     * the 2-level ABI working.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>{@code init_control} validates {@code control_gfn}/{@code offset} before switching ABI;</li>
     *   <li>{@code expand_array} without a control block fails;</li>
     *   <li>a failed switch does not leave the domain with no event ABI.</li>
     * </ul>
     */
    @Test
    public void required_EVT_07_badInitControlFailsCleanly() {
        GuestMemory m = a.memory();
        long arg = argGpa(a);
        m.fill(arg, 24, (byte) 0);
        m.setLong(arg, 0x7FFF_FFFF_FFFFL); // control_gfn beyond memory
        m.setInt(arg + 8, 4095); // offset not leaving room for the control block
        long r = call(a, 0, EvtchnOp.INIT_CONTROL);
        assertTrue(r < 0, "init_control with a bad page must fail, got " + XenErrno.describe(r));
        m.setLong(arg, 1);
        long e = call(a, 0, EvtchnOp.EXPAND_ARRAY);
        assertTrue(e < 0, "expand_array without a control block must fail, got " + XenErrno.describe(e));
        int[] ch = connect(b, a);
        clearPending(a, ch[1]);
        assertEquals(0, send(b, ch[0]));
        assertTrue(pending(a, ch[1]), "2-level delivery still works");
    }

    // ------------------------------------------------------------------------------------ EVT-08

    /**
     * Rule {@linkplain EventChannelRules EVT-08} ({@code RULES.md#evt-08}): a storm on a pending port
     * raises nothing more.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>send stops after test-and-set of the pending bit found it already set;</li>
     *   <li>events are not counted: one pending bit, not a queue.</li>
     * </ul>
     */
    @Test
    public void required_EVT_08_stormOnPendingPortRaisesNothingMore() {
        int[] ch = connect(b, a);
        int ap = ch[1];
        assertEquals(0, send(b, ch[0]));
        assertTrue(pending(a, ap));
        // the guest took the upcall (cleared master and selector) but has not acked the port yet
        clearUpcall(a, 0);
        long upcalls = upcallCount(a, 0);
        for (int i = 0; i < 10_000; i++) {
            assertEquals(0, send(b, ch[0]));
        }
        assertTrue(pending(a, ap));
        assertEquals(0, selector(a, 0), "selector raised again while the port was pending");
        assertEquals(0, upcallPending(a, 0), "evtchn_upcall_pending raised again while the port was pending");
        if (upcalls >= 0) {
            assertEquals(upcalls, upcallCount(a, 0), "upcalls during the storm");
        }
    }

    // ------------------------------------------------------------------------------------ EVT-09

    /**
     * Rule {@linkplain EventChannelRules EVT-09} ({@code RULES.md#evt-09}): unmask re-raises exactly once. Domain
     * {@code a}'s ports 1, 63, 64, 130 and 4095 (selector words 0, 0, 1, 2 and 63) are bound to {@code b} and
     * notify vCPU 1 and 0 in turn; each is masked, sent on, then unmasked: only its mask bit may clear, and only
     * its notify vCPU gets the selector bit {@code port / 64} and the upcall (kicked once). Unmasking it again, or
     * unmasking it masked but not pending, raises nothing and kicks nobody; unmasking it pending while
     * {@code evtchn_upcall_pending} is still set sets the selector bit but kicks nobody, and while its selector bit
     * is still set raises nothing.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>unmask is test-and-clear of the mask, then test of pending, then test-and-set of the selector;</li>
     *   <li>a second unmask finds the mask already clear and does nothing;</li>
     *   <li>the upcall goes to the port's notify vCPU.</li>
     * </ul>
     */
    @Test
    public void required_EVT_09_unmaskOfPendingPortRaisesExactlyOnce() {
        List<int[]> channels = channelsInSeveralWords();
        for (int i = 0; i < channels.size(); i++) {
            int[] ch = channels.get(i);
            int ap = ch[1];
            int v = 1 - i % 2;
            String where = "port " + ap + " (selector word " + (ap >>> 6) + ", notify vCPU " + v + ")";
            assertEquals(0, bindVcpu(a, ap, v));
            clearAllPending(a);
            clearUpcall(a, 0);
            clearUpcall(a, 1);
            setMask(a, ap);
            long[] masks = maskWords(a);
            assertEquals(0, send(b, ch[0]));
            assertTrue(pending(a, ap), where);
            assertEquals(0, upcallPending(a, v), where + " masked: no upcall");
            long upcalls = upcallCount(a, v);
            assertEquals(0, unmask(a, ap));
            masks[ap >>> 6] &= ~(1L << (ap & 63));
            assertWords(masks, maskWords(a), "evtchn_mask after unmask of " + where + " (only its bit cleared)");
            assertEquals(1, upcallPending(a, v), "unmask of pending " + where + " raises the upcall");
            assertEquals(1L << (ap >>> 6), selector(a, v), "selector after unmask of " + where);
            assertEquals(0, selector(a, 1 - v), "the other vCPU's selector after unmask of " + where);
            assertEquals(0, upcallPending(a, 1 - v), "the other vCPU's upcall after unmask of " + where);
            assertTrue(pending(a, ap), "unmask leaves " + where + " pending");
            if (upcalls >= 0) {
                assertEquals(upcalls + 1, upcallCount(a, v), "exactly one upcall for " + where);
            }
            clearUpcall(a, v);
            assertEquals(0, unmask(a, ap));
            assertEquals(0, upcallPending(a, v), "a second unmask of " + where + " raises nothing");
            assertEquals(0, selector(a, v), "a second unmask of " + where + " selects nothing");
            if (upcalls >= 0) {
                assertEquals(upcalls + 1, upcallCount(a, v), "still exactly one upcall for " + where);
            }
            clearAllPending(a);
            setMask(a, ap);
            assertEquals(0, unmask(a, ap));
            assertEquals(0, upcallPending(a, v) | upcallPending(a, 1 - v), "unmask of masked " + where
                    + " that is not pending raised an upcall");
            assertEquals(0, selector(a, v) | selector(a, 1 - v), "unmask of masked " + where
                    + " that is not pending set a selector bit");
            if (upcalls >= 0) {
                assertEquals(upcalls + 1, upcallCount(a, v), "unmask of masked " + where + " that is not pending "
                        + "kicked the vCPU");
            }
            // Xen's evtchn_2l_unmask raises only when the selector bit was clear, and kicks only when
            // evtchn_upcall_pending goes from 0 to 1: first the guest has not yet taken an earlier upcall (flag set)
            setMask(a, ap);
            assertEquals(0, send(b, ch[0]));
            long vi = sharedInfo(a) + SharedInfoLayout.vcpuInfoOffset(v) + VcpuInfoLayout.UPCALL_PENDING_OFFSET;
            a.memory().getAndBitwiseOrByte(vi, 1);
            long kicks = upcallCount(a, v);
            assertEquals(0, unmask(a, ap));
            assertEquals(1L << (ap >>> 6), selector(a, v), "selector after unmask of pending " + where
                    + " while evtchn_upcall_pending was still set");
            assertEquals(1, upcallPending(a, v), "evtchn_upcall_pending after unmask of pending " + where);
            if (kicks >= 0) {
                assertEquals(kicks, upcallCount(a, v), "unmask of pending " + where + " kicked the vCPU although "
                        + "evtchn_upcall_pending was still set (kick only when it goes from 0 to 1)");
            }
            // then the guest has cleared the flag but not yet swapped the selector (its bit still set)
            a.memory().getAndBitwiseAndByte(vi, 0);
            setMask(a, ap);
            assertEquals(0, unmask(a, ap));
            assertEquals(0, upcallPending(a, v), "unmask of pending " + where + " whose selector bit was still set "
                    + "raised evtchn_upcall_pending");
            if (kicks >= 0) {
                assertEquals(kicks, upcallCount(a, v), "unmask of pending " + where + " whose selector bit was still "
                        + "set kicked the vCPU");
            }
            clearAllPending(a);
            clearUpcall(a, v);
        }
    }

    // ------------------------------------------------------------------------------------ EVT-10

    /**
     * Rule {@linkplain EventChannelRules EVT-10} ({@code RULES.md#evt-10}): only the named domain binds;
     * unprivileged callers allocate only for themselves.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>bind_interdomain checks {@code state == UNBOUND && remote_domid == caller} on the remote port;</li>
     *   <li>a missing domain is an error ({@code -ESRCH}), never a binding;</li>
     *   <li>alloc_unbound with {@code dom != DOMID_SELF} is checked against the caller's privilege.</li>
     * </ul>
     */
    @Test
    public void required_EVT_10_bindOnlyWhatWasOffered() {
        DomainUnderTest c = create(1);
        int offeredToB = allocUnbound(a, DomId.SELF, b.domid());
        assertTrue(bindInterdomain(c, a.domid(), offeredToB) < 0, "c bound a port offered to b");
        assertEquals(EvtchnStatus.UNBOUND.code(), status(a, DomId.SELF, offeredToB)[1]);
        assertEquals(b.domid(), status(a, DomId.SELF, offeredToB)[3]);
        assertTrue(bindInterdomain(b, a.domid(), offeredToB) > 0);
        assertTrue(bindInterdomain(b, a.domid(), offeredToB) < 0, "bound an already bound port");
        assertTrue(bindInterdomain(b, 0x7FEF, 1) < 0, "bound a port of a domain that does not exist");
        int ipi = bindIpi(a, 0);
        assertTrue(bindInterdomain(b, a.domid(), ipi) < 0, "bound an IPI port");
        assertEquals(EPERM, allocUnbound(b, a.domid(), b.domid()), "unprivileged alloc_unbound for another domain");
        int[] s = status(c, DomId.SELF, 1);
        assertEquals(EvtchnStatus.CLOSED.code(), s[1], "no binding created in c");
        // a domain id that was never created: looked up before any privilege check (Xen's
        // rcu_lock_domain_by_any_id comes first), so -ESRCH even for an unprivileged caller
        int nobody = 0x7FEE;
        assertEquals(ESRCH, allocUnbound(a, nobody, b.domid()),
                "alloc_unbound for domain " + nobody + " that does not exist (look the domain up first: -ESRCH)");
        assertEquals(ESRCH, status(a, nobody, 1)[0],
                "status of a port of domain " + nobody + " that does not exist (look the domain up first: -ESRCH)");
        if (supportsReset()) {
            assertEquals(ESRCH, reset(a, nobody),
                    "reset of domain " + nobody + " that does not exist (look the domain up first: -ESRCH)");
        }
        // a vCPU the domain does not have: -ENOENT and no port allocated
        int before = allocUnbound(c, DomId.SELF, a.domid());
        assertTrue(before > 0, "alloc_unbound: " + XenErrno.describe(before));
        assertEquals(0, close(c, before));
        for (int vcpu : new int[] {c.vcpus(), -1}) {
            assertEquals(ENOENT, bindIpi(c, vcpu), "bind_ipi to vCPU " + vcpu + " of a domain with " + c.vcpus()
                    + " vCPU(s)");
            assertEquals(ENOENT, bindVirq(c, Virq.TIMER.code(), vcpu), "bind_virq(VIRQ_TIMER) to vCPU " + vcpu
                    + " of a domain with " + c.vcpus() + " vCPU(s)");
        }
        assertEquals(EvtchnStatus.CLOSED.code(), status(c, DomId.SELF, before)[1],
                "a bind to a vCPU that does not exist allocated port " + before);
    }

    /**
     * Rule {@linkplain EventChannelRules EVT-10} ({@code RULES.md#evt-10}) with many domains: every domain id is looked
     * up as itself. Twenty more domains are created, each connected to {@code a} both ways ({@code a}
     * offers a port it binds, it offers a port {@code a} binds); a send on each channel reaches only its own end; then
     * every second one is destroyed. Afterwards, from {@code a}, {@code status} and {@code alloc_unbound} naming every
     * domain id (0 .. 0xFFFF but {@code DOMID_SELF}) answer: for {@code a} itself its own port, for a live domain of
     * the test {@code -EPERM}, for a destroyed one {@code -ESRCH}, for any other id {@code -ESRCH} (or {@code -EPERM}:
     * the implementation may have domains of its own); no port is allocated.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the domain table grows with the domain ids it is given (not a fixed small table, and not one slot short
     *       at its end);</li>
     *   <li>a domain id at or beyond the table's end is "no such domain" ({@code -ESRCH}), never an index.</li>
     * </ul>
     */
    @Test
    public void required_EVT_10_everyDomainIdIsLookedUpAsItselfAmongManyDomains() {
        List<DomainUnderTest> many = new ArrayList<>();
        List<int[]> toA = new ArrayList<>();     // {a's port, the domain's port}: a offered, the domain bound
        List<int[]> fromA = new ArrayList<>();   // {the domain's port, a's port}: the domain offered, a bound
        for (int i = 0; i < MANY_DOMAINS; i++) {
            DomainUnderTest d = create(1);
            many.add(d);
            toA.add(connect(a, d));
            fromA.add(connect(d, a));
        }
        for (int i = 0; i < many.size(); i++) {
            DomainUnderTest d = many.get(i);
            String who = "domain " + d.domid();
            clearAllPending(a);
            clearAllPending(d);
            assertEquals(0, send(d, toA.get(i)[1]), "send from " + who);
            assertEquals(0, send(a, fromA.get(i)[1]), "send from a to " + who);
            long[] expectedA = new long[SharedInfoLayout.EVTCHN_WORDS];
            expectedA[toA.get(i)[0] >>> 6] = 1L << (toA.get(i)[0] & 63);
            assertWords(expectedA, pendingWords(a), "a's evtchn_pending after a send from " + who);
            long[] expectedD = new long[SharedInfoLayout.EVTCHN_WORDS];
            expectedD[fromA.get(i)[0] >>> 6] = 1L << (fromA.get(i)[0] & 63);
            assertWords(expectedD, pendingWords(d), "evtchn_pending of " + who + " after a's send to it");
            int[] s = status(a, DomId.SELF, fromA.get(i)[1]);
            assertEquals(EvtchnStatus.INTERDOMAIN.code(), s[1], "a's port bound to " + who);
            assertEquals(d.domid(), s[3], "a's port bound to " + who + ": remote domain");
            assertEquals(fromA.get(i)[0], s[4], "a's port bound to " + who + ": remote port");
        }
        Set<Integer> live = new TreeSet<>(List.of(b.domid()));
        Set<Integer> dead = new TreeSet<>();
        for (int i = 0; i < many.size(); i++) {
            DomainUnderTest d = many.get(i);
            if (i % 2 == 1) {
                domains.remove(d);
                hypervisor.destroyDomain(d);
                dead.add(d.domid());
                assertEquals(EvtchnStatus.UNBOUND.code(), status(a, DomId.SELF, fromA.get(i)[1])[1],
                        "a's port bound to destroyed domain " + d.domid());
            } else {
                live.add(d.domid());
            }
        }
        int aPorts = countInState(a, EvtchnStatus.CLOSED);
        for (int id = 0; id <= 0xFFFF; id++) {
            if (id == DomId.SELF || id == a.domid()) {
                continue;
            }
            int st = status(a, id, 1)[0];
            int al = allocUnbound(a, id, b.domid());
            String expected = live.contains(id) ? "-EPERM (a live domain of the test)"
                    : dead.contains(id) ? "-ESRCH (a destroyed domain)" : "-ESRCH or -EPERM (not a domain of the test)";
            for (int[] r : new int[][] {{st, 0}, {al, 1}}) {
                boolean ok = live.contains(id) ? r[0] == EPERM
                        : dead.contains(id) ? r[0] == ESRCH : r[0] == ESRCH || r[0] == EPERM;
                assertTrue(ok, (r[1] == 0 ? "status of port 1" : "alloc_unbound") + " of domain id " + id + " (0x"
                        + Integer.toHexString(id) + ") by domain " + a.domid() + " returned " + XenErrno.describe(r[0])
                        + ", expected " + expected);
            }
        }
        assertEquals(0, status(a, a.domid(), 1)[0], "status of a's own port 1 naming a's own id");
        assertEquals(aPorts, countInState(a, EvtchnStatus.CLOSED), "a's free ports after the lookups of every id");
    }

    /** How many domains {@code EVT-10}'s many-domain method adds (beyond 16: tables sized for a few domains grow). */
    private static final int MANY_DOMAINS = 20;

    // ------------------------------------------------------------------------------------ EVT-11

    /**
     * Rule {@linkplain EventChannelRules EVT-11} ({@code RULES.md#evt-11}): bind marks the local port
     * pending.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>bind_interdomain calls set_pending on the new local port after both ends are connected;</li>
     *   <li>the upcall goes through the normal path (selector, upcall_pending).</li>
     * </ul>
     */
    @Test
    public void required_EVT_11_bindMarksLocalPortPending() {
        int offered = allocUnbound(a, DomId.SELF, b.domid());
        assertEquals(0, send(a, offered), "send before the peer binds is dropped");
        int local = bindInterdomain(b, a.domid(), offered);
        assertTrue(local > 0);
        assertTrue(pending(b, local), "new local port must be pending");
        assertEquals(1, upcallPending(b, 0), "and the upcall raised");
    }

    // ------------------------------------------------------------------------------------ EVT-12

    /**
     * Rule {@linkplain EventChannelRules EVT-12} ({@code RULES.md#evt-12}): send by port state.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the unbound case of send returns 0 and delivers nothing;</li>
     *   <li>IPI sends set the local port on its notify vCPU;</li>
     *   <li>VIRQ ports cannot be sent on.</li>
     * </ul>
     */
    @Test
    public void required_EVT_12_sendDependsOnPortState() {
        int unbound = allocUnbound(a, DomId.SELF, b.domid());
        assertEquals(0, send(a, unbound));
        assertTrue(!pending(a, unbound), "nothing delivered for an unbound port");
        int ipi = bindIpi(a, 1);
        assertEquals(0, send(a, ipi));
        assertTrue(pending(a, ipi));
        assertEquals(1, upcallPending(a, 1), "IPI raised on its vCPU");
        int virq = bindVirq(a, Virq.TIMER.code(), 0);
        assertTrue(virq > 0);
        assertEquals(EINVAL, send(a, virq));
    }

    // ------------------------------------------------------------------------------------ EVT-13

    /**
     * Rule {@linkplain EventChannelRules EVT-13} ({@code RULES.md#evt-13}): close turns the peer unbound.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>closing an interdomain port sets the peer to unbound with {@code remote_domid} = the closer;</li>
     *   <li>the peer is not closed or freed;</li>
     *   <li>the closer may bind the peer's port again.</li>
     * </ul>
     */
    @Test
    public void required_EVT_13_closeTurnsPeerUnbound() {
        int[] ch = connect(a, b);
        assertEquals(0, close(b, ch[1]));
        int[] s = status(a, DomId.SELF, ch[0]);
        assertEquals(EvtchnStatus.UNBOUND.code(), s[1], "peer state after close");
        assertEquals(b.domid(), s[3], "peer offered to the closer");
        assertTrue(bindInterdomain(b, a.domid(), ch[0]) > 0, "the closer can bind again");
    }

    // ------------------------------------------------------------------------------------ EVT-14

    /**
     * Rule {@linkplain EventChannelRules EVT-14} ({@code RULES.md#evt-14}): the 2-level raise, for {@code a}'s
     * ports 1, 63, 64, 130 and 4095 (selector words 0, 0, 1, 2 and 63; {@code a}'s other ports are IPIs), each
     * notifying vCPU 0 and 1 in turn: after a send, the whole {@code evtchn_pending} array holds exactly the port's
     * bit, only the notify vCPU has a selector bit ({@code port / 64}) and the upcall, and (with
     * {@link Capability#UPCALL_COUNT}) was kicked exactly once; a masked port gets only its pending bit and the
     * guest's mask array is left alone.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the selector bit is {@code port / 64} of the notify vCPU's {@code evtchn_pending_sel};</li>
     *   <li>{@code evtchn_upcall_pending} is byte 0 of {@code vcpu_info}, set atomically;</li>
     *   <li>a masked port only gets its pending bit.</li>
     * </ul>
     */
    @Test
    public void required_EVT_14_sendSetsPendingSelectorAndUpcall() {
        List<int[]> channels = channelsInSeveralWords();
        for (int i = 0; i < channels.size(); i++) {
            int[] ch = channels.get(i);
            int ap = ch[1];
            int v = i % 2;
            String where = "port " + ap + " (selector word " + (ap >>> 6) + ", notify vCPU " + v + ")";
            assertEquals(0, bindVcpu(a, ap, v));
            clearAllPending(a);
            clearUpcall(a, 0);
            clearUpcall(a, 1);
            long kicksBefore = upcallCount(a, v);
            long otherBefore = upcallCount(a, 1 - v);
            assertEquals(0, send(b, ch[0]));
            long[] expected = new long[SharedInfoLayout.EVTCHN_WORDS];
            expected[ap >>> 6] = 1L << (ap & 63);
            assertWords(expected, pendingWords(a), "evtchn_pending after a send to " + where);
            assertEquals(1L << (ap >>> 6), selector(a, v), "selector bit of word " + (ap >>> 6) + " for " + where);
            assertEquals(0, selector(a, 1 - v), "the other vCPU's selector after a send to " + where);
            assertEquals(1, upcallPending(a, v), "evtchn_upcall_pending after a send to " + where);
            assertEquals(0, upcallPending(a, 1 - v), "the other vCPU's upcall after a send to " + where);
            if (kicksBefore >= 0) {
                // evtchn_upcall_pending went from 0 to 1: Xen's vcpu_mark_events_pending kicks the vCPU, once
                assertEquals(kicksBefore + 1, upcallCount(a, v), "kicks of the notify vCPU by a send to " + where
                        + " (evtchn_upcall_pending went from 0 to 1: exactly one kick)");
                assertEquals(otherBefore, upcallCount(a, 1 - v), "kicks of the other vCPU by a send to " + where);
            }
        }
        // Xen raises evtchn_upcall_pending only when the selector bit was clear, and kicks only when the flag was
        // clear: a send while the guest has not yet taken its upcall, or has cleared the flag but not yet swapped
        // the selector, raises nothing new
        int[] first = channels.get(0);
        int[] other = channels.get(channels.size() - 1);
        for (int[] ch : channels) {
            assertEquals(0, bindVcpu(a, ch[1], 0));
        }
        clearAllPending(a);
        clearUpcall(a, 0);
        assertEquals(0, send(b, first[0]));
        long kicks = upcallCount(a, 0);
        assertEquals(0, send(b, other[0]));
        assertEquals(1, upcallPending(a, 0), "upcall after two sends");
        assertEquals((1L << (first[1] >>> 6)) | (1L << (other[1] >>> 6)), selector(a, 0), "selector after sends to "
                + "ports " + first[1] + " and " + other[1]);
        if (kicks >= 0) {
            assertEquals(kicks, upcallCount(a, 0), "a send to port " + other[1] + " while evtchn_upcall_pending was "
                    + "still set kicked the vCPU again (kick only when the flag goes from 0 to 1)");
        }
        clearAllPending(a);
        a.memory().getAndBitwiseAndByte(sharedInfo(a) + SharedInfoLayout.vcpuInfoOffset(0)
                + VcpuInfoLayout.UPCALL_PENDING_OFFSET, 0); // the guest cleared the flag, not yet the selector
        assertEquals(0, send(b, other[0]));
        assertEquals(0, upcallPending(a, 0), "a send to port " + other[1] + " whose selector bit was still set "
                + "raised evtchn_upcall_pending (Xen raises it only when the selector bit was clear)");
        if (kicks >= 0) {
            assertEquals(kicks, upcallCount(a, 0), "a send whose selector bit was still set kicked the vCPU");
        }
        clearUpcall(a, 0);
        for (int[] ch : channels) {
            int ap = ch[1];
            String where = "masked port " + ap + " (selector word " + (ap >>> 6) + ")";
            clearAllPending(a);
            clearUpcall(a, 0);
            clearUpcall(a, 1);
            setMask(a, ap);
            long[] masks = maskWords(a);
            assertEquals(0, send(b, ch[0]));
            long[] expected = new long[SharedInfoLayout.EVTCHN_WORDS];
            expected[ap >>> 6] = 1L << (ap & 63);
            assertWords(expected, pendingWords(a), "evtchn_pending after a send to " + where);
            assertWords(masks, maskWords(a), "evtchn_mask after a send to " + where + " (guest-owned: unchanged)");
            assertEquals(0, selector(a, 0) | selector(a, 1), where + ": no selector bit");
            assertEquals(0, upcallPending(a, 0) | upcallPending(a, 1), where + ": no upcall");
            if (upcallCount(a, 0) >= 0) {
                assertEquals(kicks, upcallCount(a, 0), where + ": the vCPU was kicked");
            }
            clearMask(a, ap);
        }
    }

    // ------------------------------------------------------------------------------------ EVT-15

    /**
     * Rule {@linkplain EventChannelRules EVT-15} ({@code RULES.md#evt-15}): port 0 is reserved.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>port 0 is marked reserved at domain creation;</li>
     *   <li>allocation starts at 1;</li>
     *   <li>close/send treat the reserved state like a free port.</li>
     * </ul>
     */
    @Test
    public void required_EVT_15_portZeroIsReserved() {
        assertEquals(EINVAL, close(a, 0));
        assertEquals(EINVAL, send(a, 0));
        int[] s = status(a, DomId.SELF, 0);
        assertEquals(0, s[0]);
        assertEquals(EvtchnStatus.CLOSED.code(), s[1]);
        assertEquals(1, allocUnbound(a, DomId.SELF, b.domid()));
        assertEquals(1, bindIpi(b, 0));
    }

    // ------------------------------------------------------------------------------------ EVT-16

    /**
     * Rule {@linkplain EventChannelRules EVT-16} ({@code RULES.md#evt-16}): a dead domain's peers go unbound.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>domain destruction closes each port through the same path as EVTCHNOP_close;</li>
     *   <li>peers can be bound again by a new domain only after being re-offered.</li>
     * </ul>
     */
    @Test
    public void required_EVT_16_destroyedDomainsPeersGoUnbound() {
        DomainUnderTest c = create(1);
        int[] ch = connect(a, c);
        int[] ch2 = connect(c, b);
        domains.remove(c);
        hypervisor.destroyDomain(c);
        assertEquals(EvtchnStatus.UNBOUND.code(), status(a, DomId.SELF, ch[0])[1]);
        assertEquals(EvtchnStatus.UNBOUND.code(), status(b, DomId.SELF, ch2[1])[1]);
        assertEquals(0, send(a, ch[0]), "sending to a dead peer is dropped");
    }


    // ------------------------------------------------------------------------------------ EVT-18

    /**
     * Rule {@linkplain EventChannelRules EVT-18} ({@code RULES.md#evt-18}): a destroyed domain stays dead.
     * Domain {@code c} offers a port to {@code a} that is never bound, is connected to {@code a}, and is
     * offered a port by {@code a}; then {@code c} is destroyed. Binding the port {@code c} had offered, and
     * the status of any port of {@code c}, must fail with {@code -ESRCH} (there is no such domain any more);
     * {@code a}'s former peer port stays unbound, sends on it are dropped, and {@code a}'s offer to {@code c}
     * stays an unbound port nobody can bind.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>destruction removes the domain from every lookup (Xen: the domain can no longer be found by id),
     *       not only the ports that had a peer: an unbound port it offered must not stay bindable;</li>
     *   <li>no operation revives a dying or dead domain's port table.</li>
     * </ul>
     */
    @Test
    public void required_EVT_18_destroyedDomainStaysDead() {
        DomainUnderTest c = create(1);
        int offeredByC = allocUnbound(c, DomId.SELF, a.domid());
        assertTrue(offeredByC > 0, "alloc_unbound: " + XenErrno.describe(offeredByC));
        int[] ch = connect(a, c);
        int offeredToC = allocUnbound(a, DomId.SELF, c.domid());
        assertTrue(offeredToC > 0, "alloc_unbound: " + XenErrno.describe(offeredToC));
        domains.remove(c);
        hypervisor.destroyDomain(c);
        assertEquals(ESRCH, bindInterdomain(a, c.domid(), offeredByC),
                "binding a port the destroyed domain had offered (a dead domain must stay dead)");
        for (int port : new int[] {offeredByC, ch[1], 1}) {
            assertEquals(ESRCH, status(a, c.domid(), port)[0], "status of the destroyed domain's port " + port);
        }
        int[] s = status(a, DomId.SELF, ch[0]);
        assertEquals(EvtchnStatus.UNBOUND.code(), s[1], "a's former peer port");
        assertEquals(c.domid(), s[3], "a's former peer port stays offered to the dead domain");
        assertEquals(0, send(a, ch[0]), "sending to a dead peer is dropped");
        s = status(a, DomId.SELF, offeredToC);
        assertEquals(EvtchnStatus.UNBOUND.code(), s[1], "a's offer to the dead domain");
        assertEquals(c.domid(), s[3], "a's offer to the dead domain");
    }

    // ------------------------------------------------------------------------------------ EVT-19

    /**
     * Rule {@linkplain EventChannelRules EVT-19} ({@code RULES.md#evt-19}): no operation leaves a lock held. After
     * each kind of operation of {@code a} or {@code b} on the test's thread (every EVTCHNOP on its success path
     * and on each of its error paths, domain creation and destruction), the kit's "vCPU 1" thread reads the status
     * of and sends on the ports just touched, and allocates and closes a port of {@code a}; each of these calls
     * must return. A lock left held is invisible to the thread that holds it (re-entrant locks) and to every
     * single-threaded rule; another vCPU waits for it forever. The kit waits {@link #lockProbeSeconds()} for each
     * probe: a hang detector only, a correct implementation answers in microseconds.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>every early {@code return} of an error path releases what the operation took (use
     *       {@code try}/{@code finally});</li>
     *   <li>a port's lock is released on every path, including the one that finds the port in an unexpected
     *       state;</li>
     *   <li>domain creation and destruction release the domain-list lock.</li>
     * </ul>
     *
     * @throws InterruptedException when interrupted while waiting for a probe
     */
    @Test
    public void required_EVT_19_noOperationLeavesALockHeld() throws InterruptedException {
        java.util.concurrent.ExecutorService vcpu1 = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "evt-19-vcpu1");
            t.setDaemon(true);
            return t;
        });
        try {
            LockProbe probe = new LockProbe(vcpu1);
            int offered = allocUnbound(a, DomId.SELF, b.domid());
            probe.after("alloc_unbound", offered);
            int bLocal = bindInterdomain(b, a.domid(), offered);
            assertTrue(bLocal > 0, "bind_interdomain: " + XenErrno.describe(bLocal));
            probe.after("bind_interdomain", new int[] {bLocal}, offered);
            assertEquals(0, send(b, bLocal));
            probe.after("send", new int[] {bLocal}, offered);
            setMask(a, offered);
            assertEquals(0, unmask(a, offered));
            probe.after("unmask", offered);
            assertEquals(0, status(a, DomId.SELF, offered)[0]);
            probe.after("status", offered);
            assertEquals(0, bindVcpu(a, offered, 1));
            probe.after("bind_vcpu", offered);
            int virq = bindVirq(a, Virq.TIMER.code(), 0);
            assertTrue(virq > 0, "bind_virq: " + XenErrno.describe(virq));
            probe.after("bind_virq", virq);
            int ipi = bindIpi(a, 1);
            assertTrue(ipi > 0, "bind_ipi: " + XenErrno.describe(ipi));
            probe.after("bind_ipi", ipi);
            int unbound = allocUnbound(a, DomId.SELF, b.domid());
            // error paths, each followed by a probe
            assertEquals(EPERM, allocUnbound(a, b.domid(), a.domid()));
            probe.after("alloc_unbound for another domain (-EPERM)");
            assertEquals(ESRCH, allocUnbound(a, 0x7FEE, b.domid()));
            probe.after("alloc_unbound for a domain that does not exist (-ESRCH)");
            assertTrue(bindInterdomain(b, a.domid(), offered) < 0);
            probe.after("bind_interdomain to a bound port (-EINVAL)", offered);
            assertTrue(bindInterdomain(b, 0x7FEE, 1) < 0);
            probe.after("bind_interdomain to a domain that does not exist (-ESRCH)");
            assertTrue(bindVirq(a, Virq.TIMER.code(), 0) < 0);
            probe.after("bind_virq of a bound VIRQ (-EEXIST)", virq);
            assertEquals(ENOENT, bindVirq(a, Virq.TIMER.code(), a.vcpus()));
            assertEquals(EINVAL, bindVirq(a, -1, 0));
            assertEquals(EINVAL, bindVirq(a, Virq.NR_VIRQS, 0));
            assertEquals(EINVAL, bindVirq(a, Integer.MAX_VALUE, 0));
            probe.after("bind_virq to a vCPU the domain lacks (-ENOENT) and of bad VIRQs (-EINVAL)");
            assertEquals(ENOENT, bindIpi(a, a.vcpus()));
            probe.after("bind_ipi to a vCPU the domain lacks (-ENOENT)");
            assertEquals(EINVAL, bindVcpu(a, ipi, 0));
            assertEquals(ENOENT, bindVcpu(a, offered, a.vcpus()));
            assertEquals(EINVAL, bindVcpu(a, portLimit(), 0));
            probe.after("bind_vcpu of an IPI port (-EINVAL), to a vCPU the domain lacks (-ENOENT), of a bad port "
                    + "(-EINVAL)", ipi, offered);
            assertEquals(EINVAL, close(a, 0));
            assertEquals(EINVAL, close(a, portLimit() - 1));
            assertEquals(EINVAL, close(a, -1));
            probe.after("close of port 0, of a free port and of a bad port (-EINVAL)", 0, portLimit() - 1);
            assertEquals(EINVAL, send(a, virq));
            assertEquals(EINVAL, send(a, portLimit() - 1));
            assertEquals(EINVAL, unmask(a, -1));
            assertEquals(EINVAL, status(a, DomId.SELF, -1)[0]);
            probe.after("send on a VIRQ and on a free port, unmask and status of a bad port (-EINVAL)", virq,
                    portLimit() - 1);
            assertEquals(EPERM, status(a, b.domid(), bLocal)[0]);
            probe.after("status of another domain's port (-EPERM)");
            // closes of every kind of port
            assertEquals(0, close(a, offered));
            probe.after("close of an interdomain port", new int[] {bLocal}, offered);
            assertEquals(0, close(a, virq));
            probe.after("close of a VIRQ port", virq);
            assertEquals(0, close(a, ipi));
            assertEquals(0, close(a, unbound));
            probe.after("close of an IPI and an unbound port", ipi, unbound);
            // exhaustion (-ENOSPC) on every allocating op, in a fresh domain
            DomainUnderTest c = create(1);
            int last = 0;
            for (int i = 1; i < portLimit(); i++) {
                last = bindIpi(c, 0);
                assertTrue(last > 0, "bind_ipi " + i + ": " + XenErrno.describe(last));
            }
            int offeredToC = allocUnbound(a, DomId.SELF, c.domid());
            probe.after("domain creation and " + (portLimit() - 1) + " bind_ipi", offeredToC);
            assertEquals(ENOSPC, allocUnbound(c, DomId.SELF, a.domid()));
            assertEquals(ENOSPC, bindInterdomain(c, a.domid(), offeredToC));
            assertEquals(ENOSPC, bindVirq(c, Virq.TIMER.code(), 0));
            assertEquals(ENOSPC, bindIpi(c, 0));
            probe.after("alloc_unbound, bind_interdomain, bind_virq and bind_ipi with no free port (-ENOSPC)",
                    offeredToC);
            if (supportsReset()) {
                assertEquals(EPERM, reset(a, b.domid()));
                assertEquals(ESRCH, reset(a, 0x7FEE));
                probe.after("reset of another domain (-EPERM) and of one that does not exist (-ESRCH)");
                assertEquals(0, reset(c, DomId.SELF));
                probe.after("reset", offeredToC);
            }
            domains.remove(c);
            hypervisor.destroyDomain(c);
            probe.after("domain destruction", offeredToC);
        } finally {
            vcpu1.shutdownNow();
        }
    }


    /** {@code EVT-19}'s probe: calls of {@code a} and {@code b} on another thread, each of which must return. */
    private final class LockProbe {
        private final java.util.concurrent.ExecutorService vcpu1;

        LockProbe(java.util.concurrent.ExecutorService vcpu1) {
            this.vcpu1 = vcpu1;
        }

        /** On vCPU 1 of {@code a}: status of and a send on each of {@code aPorts}, alloc_unbound and close. */
        void after(String what, int... aPorts) throws InterruptedException {
            after(what, new int[0], aPorts);
        }

        /** As {@link #after(String, int...)}, and the status of each of {@code bPorts} (b's only vCPU). */
        void after(String what, int[] bPorts, int... aPorts) throws InterruptedException {
            ConcurrentLinkedQueue<String> bad = new ConcurrentLinkedQueue<>();
            java.util.concurrent.Future<?> f = vcpu1.submit(() -> {
                for (int port : bPorts) {
                    long st = raw(b, 0, EvtchnOp.STATUS, 2048, DomId.SELF, port, bad);
                    if (st != 0) {
                        bad.add("status of b's port " + port + " returned " + XenErrno.describe(st));
                    }
                }
                for (int port : aPorts) {
                    // status {dom = SELF, port} at offset 2048; send {port} at offset 2560
                    long st = raw(a, 1, EvtchnOp.STATUS, 2048, DomId.SELF, port, bad);
                    if (st != 0) {
                        bad.add("status of port " + port + " returned " + XenErrno.describe(st));
                    }
                    long r = raw(a, 1, EvtchnOp.SEND, 2560, port, 0, bad);
                    if (r != 0 && r != EINVAL) {
                        bad.add("send on port " + port + " returned " + XenErrno.describe(r));
                    }
                }
                long r = raw(a, 1, EvtchnOp.ALLOC_UNBOUND, 3072, DomId.SELF | (b.domid() << 16), 0, bad);
                if (r == 0) {
                    int port = a.memory().getInt(argGpa(a) + 3072 + 4);
                    long c = raw(a, 1, EvtchnOp.CLOSE, 3584, port, 0, bad);
                    if (c != 0) {
                        bad.add("close of port " + port + " it just allocated returned " + XenErrno.describe(c));
                    }
                } else if (r != ENOSPC) {
                    bad.add("alloc_unbound returned " + XenErrno.describe(r));
                }
            });
            try {
                f.get(lockProbeSeconds(), TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                f.cancel(true);
                fail("after " + what + " on vCPU 0, another vCPU's status/send on ports "
                        + java.util.Arrays.toString(aPorts) + " or alloc_unbound + close did not return within "
                        + lockProbeSeconds() + " s: a lock was left held");
            } catch (java.util.concurrent.ExecutionException e) {
                throw new AssertionError("after " + what + ", vCPU 1's calls threw", e.getCause());
            }
            assertTrue(bad.isEmpty(), "after " + what + ", vCPU 1's calls: " + bad);
        }
    }

    // ------------------------------------------------------------------------------------ EVT-20

    /**
     * Rule {@linkplain EventChannelRules EVT-20} ({@code RULES.md#evt-20}): a raised VIRQ follows its binding.
     * Domain {@code a} (2 vCPUs) binds 99 IPIs first, so that its VIRQ ports lie in selector word 1: the per-vCPU
     * {@code VIRQ_TIMER} on vCPU 1 and the global {@code VIRQ_CONSOLE} (bound on vCPU 0, then moved to vCPU 1 with
     * bind_vcpu). Through {@link #raiseVirq}: a VIRQ raised for a vCPU it is not bound on, a VIRQ not bound, bad
     * VIRQ numbers and vCPUs set nothing; the per-vCPU VIRQ raised on its vCPU and the global one (whatever vCPU is
     * named) set exactly their port's pending bit, its selector bit and {@code evtchn_upcall_pending} of the
     * notify vCPU; a masked one only its pending bit; after close nothing; domain {@code b} is never touched.
     * Checked only with the {@link #raiseVirq} capability (an {@code optional_} check of a MUST rule).
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>a per-vCPU VIRQ is looked up in the named vCPU's {@code virq_to_evtchn}, a global one in vCPU 0's;</li>
     *   <li>a global VIRQ is delivered to the port's notify vCPU ({@code bind_vcpu} moves it);</li>
     *   <li>the VIRQ number and the vCPU are range-checked before any table lookup, and a closed port is
     *       removed from {@code virq_to_evtchn}.</li>
     * </ul>
     */
    @Test
    public void optional_EVT_20_raisedVirqFollowsItsBinding() {
        Assumptions.assumeTrue(raiseVirq(hypervisor, a, 0, Virq.TIMER.code()),
                "the implementation cannot raise VIRQs on request (raiseVirq)");
        assertNothingRaised("VIRQ_TIMER raised with no VIRQ bound");
        for (int i = 0; i < 99; i++) {
            assertTrue(bindIpi(a, 0) > 0);
        }
        int timer = bindVirq(a, Virq.TIMER.code(), 1);
        assertTrue(timer > 0, "bind_virq(VIRQ_TIMER, vCPU 1): " + XenErrno.describe(timer));
        int console = bindVirq(a, Virq.CONSOLE.code(), 0);
        assertTrue(console > 0, "bind_virq(VIRQ_CONSOLE, vCPU 0): " + XenErrno.describe(console));
        assertEquals(0, bindVcpu(a, console, 1), "bind_vcpu of a global VIRQ's port");
        clearAllPending(a);
        clearUpcall(a, 0);
        clearUpcall(a, 1);
        raiseVirq(hypervisor, a, 0, Virq.TIMER.code());
        assertNothingRaised("VIRQ_TIMER raised on vCPU 0 (bound on vCPU 1 only)");
        for (int[] bad : new int[][] {{-1, Virq.TIMER.code()}, {a.vcpus(), Virq.TIMER.code()}, {0, -1},
            {0, Virq.NR_VIRQS}, {1, Virq.DEBUG.code()}, {0, Integer.MIN_VALUE}, {Integer.MAX_VALUE, 0}}) {
            raiseVirq(hypervisor, a, bad[0], bad[1]);
            assertNothingRaised("VIRQ " + bad[1] + " raised on vCPU " + bad[0] + " (not bound there, or no such "
                    + "VIRQ or vCPU)");
        }
        raiseVirq(hypervisor, a, 1, Virq.TIMER.code());
        assertRaisedOnly(timer, 1, "VIRQ_TIMER raised on vCPU 1 (its port " + timer + ")");
        for (int vcpu : new int[] {0, 1}) {
            clearAllPending(a);
            clearUpcall(a, 0);
            clearUpcall(a, 1);
            raiseVirq(hypervisor, a, vcpu, Virq.CONSOLE.code());
            assertRaisedOnly(console, 1, "global VIRQ_CONSOLE raised naming vCPU " + vcpu + " (its port " + console
                    + " notifies vCPU 1)");
        }
        clearAllPending(a);
        clearUpcall(a, 0);
        clearUpcall(a, 1);
        setMask(a, timer);
        raiseVirq(hypervisor, a, 1, Virq.TIMER.code());
        long[] expected = new long[SharedInfoLayout.EVTCHN_WORDS];
        expected[timer >>> 6] = 1L << (timer & 63);
        assertWords(expected, pendingWords(a), "evtchn_pending after masked VIRQ_TIMER");
        assertEquals(0, selector(a, 0) | selector(a, 1) | upcallPending(a, 0) | upcallPending(a, 1),
                "masked VIRQ_TIMER raised an upcall");
        clearMask(a, timer);
        clearAllPending(a);
        assertEquals(0, close(a, timer));
        assertEquals(0, close(a, console));
        raiseVirq(hypervisor, a, 1, Virq.TIMER.code());
        raiseVirq(hypervisor, a, 0, Virq.CONSOLE.code());
        assertNothingRaised("VIRQs raised after their ports were closed");
        assertWords(new long[SharedInfoLayout.EVTCHN_WORDS], pendingWords(b), "b's evtchn_pending (a's VIRQs only)");
        assertEquals(0, selector(b, 0) | upcallPending(b, 0), "b's selector and upcall (a's VIRQs only)");
    }

    private void assertNothingRaised(String what) {
        assertWords(new long[SharedInfoLayout.EVTCHN_WORDS], pendingWords(a), "evtchn_pending after " + what);
        assertEquals(0, selector(a, 0) | selector(a, 1), "selectors after " + what);
        assertEquals(0, upcallPending(a, 0) | upcallPending(a, 1), "evtchn_upcall_pending after " + what);
    }

    private void assertRaisedOnly(int port, int vcpu, String what) {
        long[] expected = new long[SharedInfoLayout.EVTCHN_WORDS];
        expected[port >>> 6] = 1L << (port & 63);
        assertWords(expected, pendingWords(a), "evtchn_pending after " + what);
        assertEquals(1L << (port >>> 6), selector(a, vcpu), "vCPU " + vcpu + "'s selector after " + what);
        assertEquals(0, selector(a, 1 - vcpu), "vCPU " + (1 - vcpu) + "'s selector after " + what);
        assertEquals(1, upcallPending(a, vcpu), "vCPU " + vcpu + "'s evtchn_upcall_pending after " + what);
        assertEquals(0, upcallPending(a, 1 - vcpu), "vCPU " + (1 - vcpu) + "'s evtchn_upcall_pending after " + what);
    }

    /**
     * Rule {@linkplain EventChannelRules EVT-18} ({@code RULES.md#evt-18}): calls a domain makes while it is being
     * destroyed allocate nothing. Domain {@code c} binds 200 IPIs and is connected to {@code a}, and {@code a}
     * offers it a port; at the first preemption point of {@code c}'s destruction ({@link #installPreemptionProbe}),
     * {@code c}'s vCPU (another thread) calls alloc_unbound (in itself and in {@code a}), bind_ipi, bind_virq and
     * bind_interdomain (to the port {@code a} offered), each of which must fail, and send, unmask, close, bind_vcpu,
     * status and reset (of itself and of {@code a}), which may answer anything but must return. Afterwards {@code a}'s offer is still unbound, and (with
     * {@link #unexpectedErrors}) the implementation caught no exception. Checked only with the preemption probe
     * (an {@code optional_} check of a MUST rule); an implementation whose destruction reaches no preemption point
     * is not checked here ({@code EVT-06} requires preemption points).
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the domain is marked dying before its ports are closed, and every operation checks it (Xen's
     *       {@code get_free_port} refuses a dying domain) instead of allocating into a table being freed;</li>
     *   <li>an operation of a caller that is no longer found answers an error instead of dereferencing it.</li>
     * </ul>
     *
     * @throws InterruptedException when interrupted while waiting for the dying domain's calls
     */
    @Test
    public void optional_EVT_18_callsOfADomainBeingDestroyedAllocateNothing() throws InterruptedException {
        DomainUnderTest c = create(1);
        for (int i = 0; i < 200; i++) {
            int p = bindIpi(c, 0);
            assertTrue(p > 0, "c's bind_ipi " + i + ": " + XenErrno.describe(p));
        }
        int[] ch = connect(c, a);
        int offeredToC = allocUnbound(a, DomId.SELF, c.domid());
        assertTrue(offeredToC > 0, "alloc_unbound: " + XenErrno.describe(offeredToC));
        java.util.concurrent.ExecutorService cVcpu = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "evt-18-dying-vcpu");
            t.setDaemon(true);
            return t;
        });
        ConcurrentLinkedQueue<String> bad = new ConcurrentLinkedQueue<>();
        AtomicBoolean fired = new AtomicBoolean();
        Runnable probe = () -> {
            if (!fired.compareAndSet(false, true)) {
                return;
            }
            java.util.concurrent.Future<?> f = cVcpu.submit(() -> {
                int cp = ch[0];
                String[] names = {"alloc_unbound", "alloc_unbound in another domain", "bind_ipi", "bind_virq",
                    "bind_interdomain"};
                long[] allocs = {
                    raw(c, 0, EvtchnOp.ALLOC_UNBOUND, 2048, DomId.SELF | (a.domid() << 16), 0, bad),
                    raw(c, 0, EvtchnOp.ALLOC_UNBOUND, 2048, a.domid() | (a.domid() << 16), 0, bad),
                    raw(c, 0, EvtchnOp.BIND_IPI, 2048, 0, 0, bad),
                    raw(c, 0, EvtchnOp.BIND_VIRQ, 2048, Virq.DEBUG.code(), 0, bad),
                    raw(c, 0, EvtchnOp.BIND_INTERDOMAIN, 2048, a.domid(), offeredToC, bad)};
                for (int i = 0; i < allocs.length; i++) {
                    if (allocs[i] >= 0) {
                        bad.add(names[i] + " by the domain being destroyed returned " + allocs[i]);
                    }
                }
                raw(c, 0, EvtchnOp.SEND, 2048, cp, 0, bad);
                raw(c, 0, EvtchnOp.UNMASK, 2048, cp, 0, bad);
                raw(c, 0, EvtchnOp.BIND_VCPU, 2048, cp, 0, bad);
                raw(c, 0, EvtchnOp.STATUS, 2048, DomId.SELF, cp, bad);
                raw(c, 0, EvtchnOp.STATUS, 2048, a.domid(), 1, bad);
                raw(c, 0, EvtchnOp.CLOSE, 2048, cp, 0, bad);
                if (supportsReset()) {
                    raw(c, 0, EvtchnOp.RESET, 2048, DomId.SELF, 0, bad);
                    raw(c, 0, EvtchnOp.RESET, 2048, a.domid(), 0, bad);
                }
            });
            try {
                f.get(lockProbeSeconds(), TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                bad.add("the dying domain's calls did not return within " + lockProbeSeconds() + " s");
                f.cancel(true);
            } catch (java.util.concurrent.ExecutionException | InterruptedException e) {
                bad.add("the dying domain's calls failed: " + e);
            }
        };
        try {
            Assumptions.assumeTrue(installPreemptionProbe(hypervisor, probe),
                    "the implementation does not report preemption points (installPreemptionProbe)");
            domains.remove(c);
            hypervisor.destroyDomain(c);
        } finally {
            installPreemptionProbe(hypervisor, () -> { });
            cVcpu.shutdownNow();
        }
        assertTrue(bad.isEmpty(), "calls of the domain being destroyed, at its destruction's first preemption point"
                + ": " + bad);
        int[] s = status(a, DomId.SELF, offeredToC);
        assertEquals(EvtchnStatus.UNBOUND.code(), s[1], "a's offer to the domain destroyed meanwhile");
        assertEquals(EvtchnStatus.UNBOUND.code(), status(a, DomId.SELF, ch[1])[1], "a's former peer port");
    }

    // ------------------------------------------------------------------------------------ EVT-21

    /**
     * Rule {@linkplain EventChannelRules EVT-21} ({@code RULES.md#evt-21}): malformed calls fail cleanly. Each
     * 2-level EVTCHNOP with its argument structure just past the end of the caller's memory, straddling the end
     * (structures larger than 4 bytes, at the last 4 bytes), or at an address far beyond it returns {@code -EFAULT}; commands 14 ({@code reset_cont}, Xen-internal), 99,
     * {@code 0x7FFFFFFF} and -1 return {@code -ENOSYS}; none of them binds a port or raises an upcall.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the argument is copied in (and range-checked against the caller's memory) before anything else, and a
     *       failed copy answers {@code -EFAULT} (Xen's {@code copy_from_guest}), not {@code -EINVAL};</li>
     *   <li>an unknown {@code cmd} is {@code -ENOSYS} (the default of Xen's {@code do_event_channel_op}).</li>
     * </ul>
     */
    @Test
    public void required_EVT_21_badPointersAndUnknownCommandsFailCleanly() {
        int efault = (int) XenErrno.EFAULT.negated();
        int enosys = (int) XenErrno.ENOSYS.negated();
        // the end of the memory the implementation gave the domain (it may give more than domainFrames() asked for)
        long end = a.memory().byteSize();
        EvtchnOp[] ops = {EvtchnOp.ALLOC_UNBOUND, EvtchnOp.BIND_INTERDOMAIN, EvtchnOp.BIND_VIRQ, EvtchnOp.BIND_IPI,
            EvtchnOp.CLOSE, EvtchnOp.SEND, EvtchnOp.STATUS, EvtchnOp.BIND_VCPU, EvtchnOp.UNMASK, EvtchnOp.RESET};
        for (EvtchnOp op : ops) {
            long size = op.argLayout().byteSize();
            // straddling: the last 4 bytes of memory hold only the start of a structure larger than 4 bytes
            for (long gpa : size > 4 ? new long[] {end, end - 4, 0x7FFF_FFFF_F000L} : new long[] {end, 0x7FFF_FFFF_F000L}) {
                long r = a.hypercall(0, HypercallOp.EVENT_CHANNEL_OP.number(), op.code(), gpa, 0, 0, 0);
                assertEquals(efault, r, op + " with its argument at 0x" + Long.toHexString(gpa) + " (memory ends at 0x"
                        + Long.toHexString(end) + "): " + XenErrno.describe(r));
            }
        }
        for (long cmd : new long[] {14, 99, 0x7FFF_FFFFL, -1}) {
            long r = a.hypercall(0, HypercallOp.EVENT_CHANNEL_OP.number(), cmd, argGpa(a), 0, 0, 0);
            assertEquals(enosys, r, "event_channel_op(" + cmd + "): " + XenErrno.describe(r));
        }
        assertEquals(EvtchnStatus.CLOSED.code(), status(a, DomId.SELF, 1)[1], "no port was bound");
        assertEquals(0, upcallPending(a, 0) | upcallPending(a, 1), "no upcall was raised");
        assertEquals(1, allocUnbound(a, DomId.SELF, b.domid()), "the next port is still port 1");
    }

    // ------------------------------------------------------------------------------------ EVT-17

    /**
     * Rule {@linkplain EventChannelRules EVT-17} ({@code RULES.md#evt-17}): random operation sequences across
     * three domains agree with Xen's model (property-based, with the kit's {@link Property} engine).
     *
     * <p>Each try creates a fresh hypervisor with three unprivileged domains (2, 1 and 2 vCPUs) and runs up to
     * 40 random steps: alloc_unbound, bind_interdomain (mostly to a port offered to the caller), bind_virq,
     * bind_ipi, close, send, unmask, bind_vcpu, reset, a guest setting a mask bit and a guest taking an
     * upcall (clear {@code evtchn_upcall_pending}, swap the selector, ack every pending unmasked port of the
     * selected words). Each result must equal the model's (Xen 4.17's errno where it fails). After every step,
     * {@code EVTCHNOP_status} of every port in use must match the model, every interdomain port's peer must
     * point back, the pending and mask bits must match, and every pending unmasked port must be raised
     * (selector bit and {@code evtchn_upcall_pending}) on one of its domain's vCPUs; an upcall must deliver
     * exactly the pending unmasked ports. A failure is shrunk to a minimal sequence and prints the seed
     * ({@code -Dpvkit.seed=...} replays it, {@code -Dpvkit.tries=...} sets the tries).
     *
     * <p>If this fails, check (the shrunk steps name the first wrong result or invariant):
     * <ul>
     *   <li>allocation is lowest-free-first and a closed port keeps only its mask bit;</li>
     *   <li>bind_interdomain connects both ends and marks the new local port pending;</li>
     *   <li>close and reset turn an interdomain peer back into an unbound port offered to the closer;</li>
     *   <li>send/unmask follow {@code evtchn_2l_set_pending}/{@code evtchn_2l_unmask} (no raise for a masked or
     *       already pending port, a raise on unmask of a pending port);</li>
     *   <li>errors come in Xen's order (e.g. bind_vcpu: {@code -ENOENT} before {@code -EINVAL}).</li>
     * </ul>
     */
    @Test
    public void required_EVT_17_randomOperationSequencesAgreeWithTheModel() {
        boolean withReset = supportsReset();
        StateMachine<EventChannelModel.Model, EventChannelModel.Ops> machine = StateMachine
                .<EventChannelModel.Model, EventChannelModel.Ops>of(EventChannelModel.Model::initial,
                        ModelSystem::new, m -> EventChannelModel.actions(m, withReset))
                .withInvariant(EventChannelModel::checkInvariant)
                .withMaxSteps(40);
        modelProperty().check(machine);
    }

    // ------------------------------------------------------------------------------------ helpers

    /** Offerer allocates an unbound port for binder, binder binds it; returns {offererPort, binderPort}. */
    private int[] connect(DomainUnderTest offerer, DomainUnderTest binder) {
        int p = allocUnbound(offerer, DomId.SELF, binder.domid());
        assertTrue(p > 0, "alloc_unbound: " + XenErrno.describe(p));
        int l = bindInterdomain(binder, offerer.domid(), p);
        assertTrue(l > 0, "bind_interdomain: " + XenErrno.describe(l));
        return new int[] {p, l};
    }

    private long argGpa(DomainUnderTest d) {
        return (domainFrames() - 1) * GuestMemory.PAGE_SIZE;
    }

    private long call(DomainUnderTest d, int vcpu, EvtchnOp op) {
        return d.hypercall(vcpu, HypercallOp.EVENT_CHANNEL_OP.number(), op.code(), argGpa(d), 0, 0, 0);
    }

    private static void await(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One hypercall whose 32-bit argument word lives at {@code offset} of the argument frame. */
    private long raw(DomainUnderTest d, int vcpu, EvtchnOp op, long offset, int word, ConcurrentLinkedQueue<String> bad) {
        return raw(d, vcpu, op, offset, word, 0, bad);
    }

    /** One hypercall whose two 32-bit argument words live at {@code offset} of the argument frame (rest zero). */
    private long raw(DomainUnderTest d, int vcpu, EvtchnOp op, long offset, int word, int word2,
            ConcurrentLinkedQueue<String> bad) {
        try {
            long gpa = argGpa(d) + offset;
            d.memory().fill(gpa, 24, (byte) 0);
            d.memory().setInt(gpa, word);
            d.memory().setInt(gpa + 4, word2);
            return d.hypercall(vcpu, HypercallOp.EVENT_CHANNEL_OP.number(), op.code(), gpa, 0, 0, 0);
        } catch (RuntimeException e) {
            bad.add(op + " threw " + e);
            return 0;
        }
    }

    private int intResult(long r) {
        if (r > Integer.MAX_VALUE || r < Integer.MIN_VALUE) {
            fail("result out of range: " + r);
        }
        return (int) r;
    }

    /** alloc_unbound; returns the port or the error. */
    private int allocUnbound(DomainUnderTest d, int dom, int remote) {
        GuestMemory m = d.memory();
        long arg = argGpa(d);
        m.setShort(arg, (short) dom);
        m.setShort(arg + 2, (short) remote);
        m.setInt(arg + 4, 0);
        long r = call(d, 0, EvtchnOp.ALLOC_UNBOUND);
        return r == 0 ? m.getInt(arg + 4) : intResult(r);
    }

    private int bindInterdomain(DomainUnderTest d, int remoteDom, int remotePort) {
        GuestMemory m = d.memory();
        long arg = argGpa(d);
        m.setInt(arg, 0);
        m.setShort(arg, (short) remoteDom);
        m.setInt(arg + 4, remotePort);
        m.setInt(arg + 8, 0);
        long r = call(d, 0, EvtchnOp.BIND_INTERDOMAIN);
        return r == 0 ? m.getInt(arg + 8) : intResult(r);
    }

    private int bindVirq(DomainUnderTest d, int virq, int vcpu) {
        GuestMemory m = d.memory();
        long arg = argGpa(d);
        m.setInt(arg, virq);
        m.setInt(arg + 4, vcpu);
        m.setInt(arg + 8, 0);
        long r = call(d, 0, EvtchnOp.BIND_VIRQ);
        return r == 0 ? m.getInt(arg + 8) : intResult(r);
    }

    private int bindIpi(DomainUnderTest d, int vcpu) {
        GuestMemory m = d.memory();
        long arg = argGpa(d);
        m.setInt(arg, vcpu);
        m.setInt(arg + 4, 0);
        long r = call(d, 0, EvtchnOp.BIND_IPI);
        return r == 0 ? m.getInt(arg + 4) : intResult(r);
    }

    private int portOp(DomainUnderTest d, EvtchnOp op, int port) {
        d.memory().setInt(argGpa(d), port);
        return intResult(call(d, 0, op));
    }

    private int send(DomainUnderTest d, int port) {
        return portOp(d, EvtchnOp.SEND, port);
    }

    private int close(DomainUnderTest d, int port) {
        return portOp(d, EvtchnOp.CLOSE, port);
    }

    private int unmask(DomainUnderTest d, int port) {
        return portOp(d, EvtchnOp.UNMASK, port);
    }

    private int bindVcpu(DomainUnderTest d, int port, int vcpu) {
        d.memory().setInt(argGpa(d), port);
        d.memory().setInt(argGpa(d) + 4, vcpu);
        return intResult(call(d, 0, EvtchnOp.BIND_VCPU));
    }

    private int reset(DomainUnderTest d, int dom) {
        d.memory().setShort(argGpa(d), (short) dom);
        return intResult(call(d, 0, EvtchnOp.RESET));
    }

    /** status: {rc, status, vcpu, u.dom (u16 at 16), u.interdomain.port / u.virq (u32 at 20 / 16)}. */
    private int[] status(DomainUnderTest d, int dom, int port) {
        GuestMemory m = d.memory();
        long arg = argGpa(d);
        m.fill(arg, 24, (byte) 0);
        m.setShort(arg, (short) dom);
        m.setInt(arg + 4, port);
        int r = intResult(call(d, 0, EvtchnOp.STATUS));
        return new int[] {r, m.getInt(arg + 8), m.getInt(arg + 12), Short.toUnsignedInt(m.getShort(arg + 16)),
            m.getInt(arg + 20)};
    }

    private long sharedInfo(DomainUnderTest d) {
        return GuestMemory.gpaOf(sharedInfoGfn(d));
    }

    private long pendingWord(DomainUnderTest d, int port) {
        return sharedInfo(d) + SharedInfoLayout.EVTCHN_PENDING_OFFSET + (port >>> 6) * 8L;
    }

    private long maskWord(DomainUnderTest d, int port) {
        return sharedInfo(d) + SharedInfoLayout.EVTCHN_MASK_OFFSET + (port >>> 6) * 8L;
    }

    private boolean pending(DomainUnderTest d, int port) {
        return (d.memory().getLongVolatile(pendingWord(d, port)) & (1L << (port & 63))) != 0;
    }

    private void clearPending(DomainUnderTest d, int port) {
        d.memory().getAndBitwiseAndLong(pendingWord(d, port), ~(1L << (port & 63)));
    }

    private void setMask(DomainUnderTest d, int port) {
        d.memory().getAndBitwiseOrLong(maskWord(d, port), 1L << (port & 63));
    }

    private void clearMask(DomainUnderTest d, int port) {
        d.memory().getAndBitwiseAndLong(maskWord(d, port), ~(1L << (port & 63)));
    }

    private long[] pendingWords(DomainUnderTest d) {
        return words(d, SharedInfoLayout.EVTCHN_PENDING_OFFSET);
    }

    private long[] maskWords(DomainUnderTest d) {
        return words(d, SharedInfoLayout.EVTCHN_MASK_OFFSET);
    }

    private long[] words(DomainUnderTest d, long offset) {
        long[] w = new long[SharedInfoLayout.EVTCHN_WORDS];
        for (int i = 0; i < w.length; i++) {
            w[i] = d.memory().getLongVolatile(sharedInfo(d) + offset + i * 8L);
        }
        return w;
    }

    private void clearAllPending(DomainUnderTest d) {
        for (int i = 0; i < SharedInfoLayout.EVTCHN_WORDS; i++) {
            d.memory().setLongVolatile(sharedInfo(d) + SharedInfoLayout.EVTCHN_PENDING_OFFSET + i * 8L, 0);
        }
    }

    private static void assertWords(long[] expected, long[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] != actual[i]) {
                fail(what + ": word " + i + " (ports " + (i << 6) + ".." + ((i << 6) + 63) + ") is 0x"
                        + Long.toHexString(actual[i]) + ", expected 0x" + Long.toHexString(expected[i])
                        + " (bit = port % 64 of word port / 64)");
            }
        }
    }

    /**
     * Channels whose ports in {@code a} lie in several selector words: ports 1, 63, 64, 130 and the last port
     * below the limit (those below {@link #portLimit()}), each bound to a port {@code b} offers; every other
     * port of {@code a} is an IPI of vCPU 0 (a is full). Returns {b's port, a's port} pairs, a's ports ascending.
     * Relies on lowest-free-first allocation (as {@code EVT-01} and {@code EVT-04} do).
     */
    private List<int[]> channelsInSeveralWords() {
        int limit = portLimit();
        Set<Integer> wanted = new TreeSet<>();
        for (int p : new int[] {1, 63, 64, 130, limit - 1}) {
            if (p > 0 && p < limit) {
                wanted.add(p);
            }
        }
        for (int p = 1; p < limit; p++) {
            assertEquals(p, bindIpi(a, 0), "bind_ipi number " + p + " of a fresh domain (lowest free port first)");
        }
        for (int p : wanted) {
            assertEquals(0, close(a, p), "close of IPI port " + p);
        }
        List<int[]> channels = new ArrayList<>();
        for (int p : wanted) {
            int[] ch = connect(b, a);
            assertEquals(p, ch[1], "bind_interdomain takes the lowest free port of a");
            channels.add(ch);
        }
        return channels;
    }

    private long selector(DomainUnderTest d, int vcpu) {
        return d.memory().getLongVolatile(sharedInfo(d) + SharedInfoLayout.vcpuInfoOffset(vcpu)
                + VcpuInfoLayout.PENDING_SEL_OFFSET);
    }

    private int upcallPending(DomainUnderTest d, int vcpu) {
        return d.memory().getByte(sharedInfo(d) + SharedInfoLayout.vcpuInfoOffset(vcpu)
                + VcpuInfoLayout.UPCALL_PENDING_OFFSET);
    }

    /** What a guest does when it takes an upcall: clear the master flag, then swap the selector to 0. */
    private void clearUpcall(DomainUnderTest d, int vcpu) {
        long vi = sharedInfo(d) + SharedInfoLayout.vcpuInfoOffset(vcpu);
        d.memory().getAndBitwiseAndByte(vi + VcpuInfoLayout.UPCALL_PENDING_OFFSET, 0);
        d.memory().getAndSetLong(vi + VcpuInfoLayout.PENDING_SEL_OFFSET, 0);
    }

    private long upcallCount(DomainUnderTest d, int vcpu) {
        return hypervisor.capabilities().contains(Capability.UPCALL_COUNT) ? d.upcallCount(vcpu) : -1;
    }

    /** The system under test of {@code EVT-17}: a fresh hypervisor with three domains, seen through hypercalls. */
    private final class ModelSystem implements EventChannelModel.Ops, AutoCloseable {
        private final HypervisorUnderTest hv = createHypervisor();
        private final DomainUnderTest[] slots = new DomainUnderTest[EventChannelModel.DOMAINS];

        ModelSystem() {
            for (int i = 0; i < slots.length; i++) {
                slots[i] = hv.createDomain(new DomainConfig(domainFrames(), EventChannelModel.VCPUS[i], false));
            }
        }

        @Override
        public void close() {
            for (DomainUnderTest d : slots) {
                if (d != null) {
                    hv.destroyDomain(d);
                }
            }
            List<Throwable> errors = unexpectedErrors(hv);
            if (errors != null) {
                modelErrors.addAll(errors);
            }
            hv.close();
        }

        @Override
        public int domid(int slot) {
            return slots[slot].domid();
        }

        @Override
        public int allocUnbound(int slot, int dom, int remoteDom) {
            return EventChannelVerification.this.allocUnbound(slots[slot], dom, remoteDom);
        }

        @Override
        public int bindInterdomain(int slot, int remoteDom, int remotePort) {
            return EventChannelVerification.this.bindInterdomain(slots[slot], remoteDom, remotePort);
        }

        @Override
        public int bindVirq(int slot, int virq, int vcpu) {
            return EventChannelVerification.this.bindVirq(slots[slot], virq, vcpu);
        }

        @Override
        public int bindIpi(int slot, int vcpu) {
            return EventChannelVerification.this.bindIpi(slots[slot], vcpu);
        }

        @Override
        public int close(int slot, int port) {
            return EventChannelVerification.this.close(slots[slot], port);
        }

        @Override
        public int send(int slot, int port) {
            return EventChannelVerification.this.send(slots[slot], port);
        }

        @Override
        public int unmask(int slot, int port) {
            return EventChannelVerification.this.unmask(slots[slot], port);
        }

        @Override
        public int bindVcpu(int slot, int port, int vcpu) {
            return EventChannelVerification.this.bindVcpu(slots[slot], port, vcpu);
        }

        @Override
        public int reset(int slot) {
            return EventChannelVerification.this.reset(slots[slot], DomId.SELF);
        }

        @Override
        public int[] status(int slot, int port) {
            return EventChannelVerification.this.status(slots[slot], DomId.SELF, port);
        }

        @Override
        public boolean pending(int slot, int port) {
            return EventChannelVerification.this.pending(slots[slot], port);
        }

        @Override
        public boolean masked(int slot, int port) {
            DomainUnderTest d = slots[slot];
            return (d.memory().getLongVolatile(maskWord(d, port)) & (1L << (port & 63))) != 0;
        }

        @Override
        public long selector(int slot, int vcpu) {
            return EventChannelVerification.this.selector(slots[slot], vcpu);
        }

        @Override
        public int upcallPending(int slot, int vcpu) {
            return EventChannelVerification.this.upcallPending(slots[slot], vcpu);
        }

        @Override
        public void guestMask(int slot, int port) {
            setMask(slots[slot], port);
        }

        @Override
        public Set<Integer> guestUpcall(int slot) {
            DomainUnderTest d = slots[slot];
            long words = 0;
            for (int v = 0; v < d.vcpus(); v++) {
                long vi = sharedInfo(d) + SharedInfoLayout.vcpuInfoOffset(v);
                d.memory().getAndBitwiseAndByte(vi + VcpuInfoLayout.UPCALL_PENDING_OFFSET, 0);
                words |= d.memory().getAndSetLong(vi + VcpuInfoLayout.PENDING_SEL_OFFSET, 0);
            }
            Set<Integer> delivered = new TreeSet<>();
            for (int w = 0; w < 64 && (w << 6) < portLimit(); w++) {
                if ((words & (1L << w)) == 0) {
                    continue;
                }
                long base = sharedInfo(d);
                long active = d.memory().getLongVolatile(base + SharedInfoLayout.EVTCHN_PENDING_OFFSET + w * 8L)
                        & ~d.memory().getLongVolatile(base + SharedInfoLayout.EVTCHN_MASK_OFFSET + w * 8L);
                for (int bit = 0; bit < 64; bit++) {
                    if ((active & (1L << bit)) != 0) {
                        long old = d.memory().getAndBitwiseAndLong(
                                base + SharedInfoLayout.EVTCHN_PENDING_OFFSET + w * 8L, ~(1L << bit));
                        if ((old & (1L << bit)) != 0) {
                            delivered.add((w << 6) + bit);
                        }
                    }
                }
            }
            return delivered;
        }
    }
}
