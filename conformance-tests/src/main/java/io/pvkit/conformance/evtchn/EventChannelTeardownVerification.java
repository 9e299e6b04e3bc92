package io.pvkit.conformance.evtchn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pvkit.abi.DomId;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.evtchn.EvtchnStatus;
import io.pvkit.abi.evtchn.Virq;
import io.pvkit.conformance.spi.DomainUnderTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The event-channel rules about teardown: reset racing other calls ({@code EVT-05}), reset and destruction
 * closing every port preemptibly ({@code EVT-06}), a dead domain's peers ({@code EVT-16}) and a destroyed domain
 * staying dead ({@code EVT-18}). Part of {@link EventChannelVerification}; extend that class, not this one.
 */
public abstract class EventChannelTeardownVerification extends EventChannelDeliveryVerification {

    /** For subclasses. */
    protected EventChannelTeardownVerification() {
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

    // ------------------------------------------------------------------------------------ EVT-23

    /**
     * Rule {@linkplain EventChannelRules EVT-23} ({@code RULES.md#evt-23}): a domain's destruction runs in bounded steps
     * ({@link #destroyStep}). Domain {@code c} (1 vCPU) has every port bound to a port of {@code b}, and {@code a} offers
     * {@code c} a port; the kit then destroys {@code c} in steps of at most N = {@link #portLimit()} / 8 ports, and
     * after each step counts {@code b}'s ports that are unbound again (their peer in {@code c} closed): each step closed
     * at most N of them, and at least one (every port is bound, so a step that counts the port numbers it passes, as Xen's
     * evtchn_destroy does, closes one with each; the rule asks no more of a table with unbound gaps); a step that reports "not done" left a port bound, and
     * the step that closed the last one reported "done". Between two steps {@code c}'s alloc_unbound, bind_ipi and
     * bind_interdomain (to {@code a}'s offer) fail: the dying domain allocates nothing.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>each step counts every port it examines against its bound (Xen checks for preemption every 64 ports) and
     *       stops when the bound is spent, remembering where to continue;</li>
     *   <li>the step that reaches the end of the port table answers done in the same call;</li>
     *   <li>the domain is marked dying at the first step, and every allocating operation checks it.</li>
     * </ul>
     */
    @Test
    public void optional_EVT_23_destructionRunsInBoundedSteps() {
        DomainUnderTest c = create(1);
        int limit = portLimit();
        int[] peers = new int[limit - 1];   // b's port bound to c's port i + 1
        for (int i = 0; i < peers.length; i++) {
            int[] ch = connect(b, c);
            assertEquals(i + 1, ch[1], "bind_interdomain takes the lowest free port of c");
            peers[i] = ch[0];
        }
        int offeredToC = allocUnbound(a, DomId.SELF, c.domid());
        assertTrue(offeredToC > 0, "alloc_unbound: " + XenErrno.describe(offeredToC));
        int n = Math.max(1, limit / 8);
        int closed = 0;
        for (int step = 1; step <= limit; step++) {
            Boolean done = destroyStep(hypervisor, c, n);
            if (done == null) {
                Assumptions.assumeTrue(step > 1, "the implementation cannot destroy a domain in steps (destroyStep)");
                fail("destroyStep answered null after it had started the destruction (step " + step + ")");
            }
            int now = 0;
            for (int peer : peers) {
                if (status(b, DomId.SELF, peer)[1] == EvtchnStatus.UNBOUND.code()) {
                    now++;
                }
            }
            String where = "step " + step + " of c's destruction (at most " + n + " ports per step, " + peers.length
                    + " ports bound, " + now + " closed so far)";
            assertTrue(now - closed <= n, where + " closed " + (now - closed) + " ports: more than its bound");
            if (done) {
                assertEquals(peers.length, now, where + " reported done while ports of c were still bound");
                return;
            }
            assertTrue(now < peers.length, where + " closed the last port of c but reported not done");
            assertTrue(now > closed, where + " reported not done and closed no port: no progress");
            closed = now;
            long[] allocs = {allocUnbound(c, DomId.SELF, b.domid()), bindIpi(c, 0), bindInterdomain(c, a.domid(),
                offeredToC)};
            String[] names = {"alloc_unbound", "bind_ipi", "bind_interdomain to a's offer"};
            for (int i = 0; i < allocs.length; i++) {
                assertTrue(allocs[i] < 0, names[i] + " of c between " + where + " and the next returned " + allocs[i]
                        + ": a dying domain allocates nothing");
            }
        }
        fail("c's destruction did not report done after " + limit + " steps");
    }
}
