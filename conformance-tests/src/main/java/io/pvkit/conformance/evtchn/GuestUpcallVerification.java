package io.pvkit.conformance.evtchn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.evtchn.VcpuInfoLayout;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.hostile.HostileMemory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;

/**
 * Verifies the guest-side event-channel rules {@code EVTG-01} .. {@code EVTG-06} and {@code FE-08}
 * ({@link EventChannelRules})
 * against a guest's upcall demultiplexer for one vCPU over a real {@code shared_info} page. The kit plays
 * the hypervisor: it raises ports exactly as Xen's {@code evtchn_2l_set_pending} does (pending, then the
 * selector bit, then {@code evtchn_upcall_pending}) on the real page, and hands the guest a
 * {@link HostileMemory} over it, through which a hostile peer acts exactly between two of the guest's
 * reads (a storm that never stops, an event withdrawn after the guest's snapshot). No rule uses a racing
 * thread or a clock. The hooks (and, for {@code EVTG-06}, the optional second vCPU) are declared in
 * {@link GuestUpcallFixture}.
 *
 * <p>Extend it in your test scope:
 * {@snippet :
 * class MyGuestUpcallConformanceTest extends GuestUpcallVerification {
 *     @Override
 *     protected GuestVcpuUnderTest createGuest(MemoryAccess memory, long sharedInfoGfn, int vcpu) {
 *         MyDemux demux = new MyDemux(memory, sharedInfoGfn, vcpu);
 *         return new GuestVcpuUnderTest() {
 *             public void register(int port, IntConsumer handler) { demux.bind(port, handler::accept); }
 *             public void mask(int port) { demux.mask(port); }
 *             public void unmask(int port) { demux.unmask(port); }
 *             public void handleUpcall() { demux.onUpcall(); }
 *         };
 *     }
 * }
 * }
 */
public abstract class GuestUpcallVerification extends GuestUpcallFixture {

    /** Calls of the storming port's handler after which the kit's storm stops (so that broken guests end). */
    private static final int STORM_LIMIT = 100_000;
    /** Reads of {@code evtchn_upcall_pending} after which the hostile peer of the never-ending storm gives up. */
    private static final int STORM_READS = 2_000;

    /** For subclasses. */
    protected GuestUpcallVerification() {
    }

    // ------------------------------------------------------------------------------------ EVTG-01

    /**
     * Rule {@linkplain EventChannelRules EVTG-01} ({@code RULES.md#evtg-01}): a storm on one port costs
     * bounded work per upcall and does not starve other ports (deterministic storm: the peer sends again each
     * time the guest handles the port).
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the upcall loop repeats while {@code evtchn_upcall_pending} is set again only a bounded number of
     *       times, leaving the flag set when work remains (nothing is lost, the next upcall continues);</li>
     *   <li>each scan takes a snapshot of {@code pending & ~mask} per word and resumes after the last port served
     *       (Linux's {@code current_word_idx}/{@code current_bit_idx}), instead of re-reading and serving the lowest
     *       pending port again;</li>
     *   <li>each event is acked (pending cleared) once and its handler called once.</li>
     * </ul>
     */
    @Test
    public void required_EVTG_01_stormCostsBoundedWorkAndOtherPortsAreServed() {
        int storm = 1;
        int[] others = {2, 3, 70, 130};
        AtomicIntegerArray calls = new AtomicIntegerArray(SharedInfoLayout.NR_2L_CHANNELS);
        guest.register(storm, p -> {
            if (calls.incrementAndGet(p) < STORM_LIMIT) {
                raise(p); // the hostile peer sends again at once
            }
        });
        for (int p : others) {
            guest.register(p, calls::incrementAndGet);
        }
        guest.unmask(storm);
        for (int p : others) {
            guest.unmask(p);
        }
        raise(storm);
        for (int p : others) {
            raise(p);
        }
        for (int upcall = 1; upcall <= 3; upcall++) {
            int before = calls.get(storm);
            guest.handleUpcall();
            int made = calls.get(storm) - before;
            assertTrue(made <= maxStormCallsPerUpcall(), "upcall " + upcall + " made " + made
                    + " handler calls for the storming port (bound " + maxStormCallsPerUpcall() + ")");
            assertTrue(made >= 1, "upcall " + upcall + " did not serve the storming (pending, unmasked) port");
        }
        for (int p : others) {
            assertEquals(1, calls.get(p), "port " + p + " pending once during the storm on port " + storm
                    + ": handler calls after 3 upcalls (0 = starved by the storm)");
        }
    }

    /**
     * Rule {@linkplain EventChannelRules EVTG-01} ({@code RULES.md#evtg-01}): the same under a storm that
     * never stops and does not wait for the handler: the guest reads its {@code shared_info} through a
     * {@link HostileMemory}, and right after every read (or read-modify-write) of the storming port's pending
     * word, so in particular right after the guest's ack, the hostile peer raises the port again (pending bit,
     * selector bit, {@code evtchn_upcall_pending}, as Xen does), for the first {@value #STORM_READS} reads. The
     * guest runs 50 upcalls on the test's thread. Deterministic: the work is counted (handler calls per
     * upcall), never timed; a guest without a round cap returns only when the peer gives up, after far more
     * calls than the bound.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>one upcall returns even when {@code evtchn_upcall_pending} is set again every time it is read
     *       (round cap), leaving the flag set for the next upcall;</li>
     *   <li>a port raised once is handled once, however often its selector word is selected again
     *       (pending is a level, not a count: ack by test-and-clear).</li>
     * </ul>
     */
    @Test
    public void required_EVTG_01_upcallReturnsUnderAStormThatNeverStops() {
        int storm = 5;
        int[] others = {65, 66};
        AtomicIntegerArray calls = new AtomicIntegerArray(SharedInfoLayout.NR_2L_CHANNELS);
        guest.register(storm, calls::incrementAndGet);
        for (int p : others) {
            guest.register(p, calls::incrementAndGet);
        }
        guest.unmask(storm);
        for (int p : others) {
            guest.unmask(p);
            raise(p);
        }
        stormAfterEachRead(SharedInfoLayout.EVTCHN_PENDING_OFFSET + (storm >>> 6) * 8L, storm, 1);
        raise(storm);
        int maxPerUpcall = 0;
        for (int i = 0; i < 50; i++) {
            int before = calls.get(storm);
            guest.handleUpcall();
            maxPerUpcall = Math.max(maxPerUpcall, calls.get(storm) - before);
        }
        assertTrue(maxPerUpcall <= maxStormCallsPerUpcall(), "one upcall made " + maxPerUpcall
                + " handler calls for the storming port (bound " + maxStormCallsPerUpcall() + "; the peer re-raised it "
                + "after each of the first " + STORM_READS + " reads of its pending word): no round cap");
        assertTrue(calls.get(storm) >= 1, "the storming port was never served");
        for (int p : others) {
            assertEquals(1, calls.get(p), "port " + p + " raised once: handler calls during the storm");
        }
    }

    /**
     * Rule {@linkplain EventChannelRules EVTG-01} ({@code RULES.md#evtg-01}): every pending unmasked port is served,
     * once, wherever the guest's scan resumes. Ports at both ends of several selector words (1, 63, 64, 127, 130,
     * 2047, 4032, 4095) are registered and unmasked; for each of them in turn the kit first raises that port alone
     * and lets the guest handle it (so its scan resumes after that port, possibly in the next word or back at word
     * 0), then raises all of them at once: the guest's upcalls (it may spread the work over several, at most 8,
     * leaving {@code evtchn_upcall_pending} set meanwhile) call each handler exactly once and ack every port.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the word index of port {@code p} is {@code p / 64} and its bit {@code p % 64}, in both directions
     *       (port = word * 64 + bit);</li>
     *   <li>the resume point wraps from bit 63 to the next word and from word 63 to word 0, and the scan visits
     *       every selected word once (the resume word twice: its high bits first, its low bits last);</li>
     *   <li>work left for the next upcall keeps {@code evtchn_upcall_pending} set.</li>
     * </ul>
     */
    @Test
    public void required_EVTG_01_everyWordIsServedOnceWhereverTheScanResumes() {
        int[] ports = {1, 63, 64, 127, 130, 2047, 4032, 4095};
        AtomicIntegerArray calls = new AtomicIntegerArray(SharedInfoLayout.NR_2L_CHANNELS);
        for (int p : ports) {
            guest.register(p, calls::incrementAndGet);
            guest.unmask(p);
        }
        int[] expected = new int[SharedInfoLayout.NR_2L_CHANNELS];
        for (int first : ports) {
            raise(first);
            upcallsUntilDone();
            expected[first]++;
            assertEquals(expected[first], calls.get(first), "port " + first + " raised alone: calls");
            for (int p : ports) {
                raise(p);
            }
            upcallsUntilDone();
            for (int p : ports) {
                expected[p]++;
                assertEquals(expected[p], calls.get(p), "port " + p + " raised once with " + ports.length
                        + " ports of several words, the scan resuming after port " + first + ": calls");
                assertTrue(!isPending(p), "port " + p + " was served but not acked");
            }
        }
    }

    // ------------------------------------------------------------------------------------ EVTG-05

    /**
     * Rule {@linkplain EventChannelRules EVTG-05} ({@code RULES.md#evtg-05}): the guest serves pending ports in Linux's
     * order. Ports at both ends of several selector words (1, 63, 64, 127, 130, 2047, 4032, 4095) are registered and
     * unmasked; for each of them in turn the kit raises that port alone and lets the guest serve it, then raises all
     * of them at once: the guest must call their handlers in ascending port order starting right after the port it
     * served last, wrapping from port 4095 to port 0 (its upcalls may spread the work over several, at most 8).
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the scan starts at Linux's {@code current_word_idx}/{@code current_bit_idx}, the port after the last one
     *       served, not at port 0 or at the start of that port's word;</li>
     *   <li>the resume point is kept from one upcall to the next and moves past every port served;</li>
     *   <li>the resume word's low bits are served last, after every other selected word.</li>
     * </ul>
     */
    @Test
    public void optional_EVTG_05_portsAreServedInLinuxOrderFromTheResumePoint() {
        int[] ports = {1, 63, 64, 127, 130, 2047, 4032, 4095};
        java.util.List<Integer> order = new java.util.ArrayList<>();
        for (int p : ports) {
            guest.register(p, order::add);
            guest.unmask(p);
        }
        for (int first : ports) {
            raise(first);
            upcallsUntilDone();
            order.clear();
            for (int p : ports) {
                raise(p);
            }
            upcallsUntilDone();
            java.util.List<Integer> expected = new java.util.ArrayList<>();
            for (int p : ports) {
                expected.add(p);
            }
            int resume = (first + 1) % SharedInfoLayout.NR_2L_CHANNELS;
            expected.sort(java.util.Comparator.comparingInt(p -> Math.floorMod(p - resume,
                    SharedInfoLayout.NR_2L_CHANNELS)));
            assertEquals(expected, order, "the order in which the guest served " + ports.length + " pending ports "
                    + "right after serving port " + first + " alone (Linux: ascending from port " + resume
                    + ", wrapping)");
        }
    }

    /** Upcalls while {@code evtchn_upcall_pending} is set, at most 8. */
    private void upcallsUntilDone() {
        for (int i = 0; i < 8 && upcallPendingFlag(); i++) {
            guest.handleUpcall();
        }
    }

    /** After read {@code n} of the pending word at {@code offset}, raises {@code port} and re-arms for read n + 1. */
    private void stormAfterEachRead(long offset, int port, int n) {
        if (n > STORM_READS) {
            return;
        }
        hostile.afterRead(offset, 8, n, real -> {
            raise(port);
            stormAfterEachRead(offset, port, n + 1);
        });
    }

    // ------------------------------------------------------------------------------------ EVTG-02

    /**
     * Rule {@linkplain EventChannelRules EVTG-02} ({@code RULES.md#evtg-02}): the guest's local unmask of a
     * masked pending port delivers it exactly once.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>unmask clears the mask bit first, then tests pending, and when pending sets the selector bit and
     *       {@code evtchn_upcall_pending} (or asks Xen with {@code EVTCHNOP_unmask});</li>
     *   <li>the scan skips masked ports and acks a delivered port by clearing its pending bit;</li>
     *   <li>a second unmask of an unmasked, no longer pending port raises nothing.</li>
     * </ul>
     */
    @Test
    public void required_EVTG_02_localUnmaskOfPendingPortDeliversExactlyOnce() {
        AtomicIntegerArray calls = new AtomicIntegerArray(SharedInfoLayout.NR_2L_CHANNELS);
        for (int port : new int[] {9, 130}) {   // selector words 0 and 2
            guest.register(port, calls::incrementAndGet);
            guest.mask(port);
            raise(port);
            guest.handleUpcall();
            assertEquals(0, calls.get(port), "a masked port was delivered");
            assertTrue(isPending(port), "a masked port's event stays pending");
            guest.unmask(port);
            guest.handleUpcall();
            assertEquals(1, calls.get(port), "unmask of pending port " + port + " (selector word " + (port >>> 6)
                    + "): deliveries on the next upcall");
            guest.handleUpcall();
            guest.unmask(port);
            guest.handleUpcall();
            assertEquals(1, calls.get(port), "delivered more than once");
            assertTrue(!isPending(port), "the delivered event is acked");
        }
    }

    // ------------------------------------------------------------------------------------ EVTG-06

    /**
     * Rule {@linkplain EventChannelRules EVTG-06} ({@code RULES.md#evtg-06}): a guest's unmask of a pending port bound
     * to another of its vCPUs delivers the event there. The kit creates the guest code of vCPU 0 and vCPU 1
     * ({@link #createGuestVcpu}); for ports 70 and 4095 bound to vCPU 1 and unmasked by vCPU 0, and port 9 bound to
     * vCPU 0 and unmasked by vCPU 1, each masked and pending: after the unmask the port is unmasked, the selector bit
     * and {@code evtchn_upcall_pending} of the port's vCPU are set and that vCPU was kicked (only the hypervisor can
     * wake another vCPU: {@link UnmaskHypercall}), nothing is set on the unmasking vCPU, whose next upcall runs no
     * handler and leaves the port pending, and the next upcall of the port's vCPU runs its handler once. Unmasking the
     * port again when it is masked and not pending raises nothing and kicks no one.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>unmask takes the local path (clear the mask, test pending, set this vCPU's selector bit and
     *       {@code evtchn_upcall_pending}) only for a port bound to this vCPU; for a port of another vCPU it issues
     *       {@code EVTCHNOP_unmask} (Linux: {@code cpu != cpu_from_evtchn(port)}), because setting this vCPU's bits
     *       leaves the event with a vCPU whose scan skips the port: it stays pending and is never delivered;</li>
     *   <li>the test "bound to this vCPU" is the port's own bit ({@code port / 64}, {@code port % 64}) of the set of
     *       ports this vCPU serves;</li>
     *   <li>the hypercall's result is checked against a negated errno, not against 0 or a positive value.</li>
     * </ul>
     */
    @Test
    public void optional_EVTG_06_unmaskOfAnotherVcpusPortDeliversItThere() {
        GuestVcpuUnderTest[] vcpus = new GuestVcpuUnderTest[2];
        for (int v = 0; v < vcpus.length; v++) {
            final int caller = v;
            vcpus[v] = createGuestVcpu(hostile, 0, v, port -> xen.unmask(caller, port));
            if (vcpus[v] == null) {
                org.junit.jupiter.api.Assumptions.abort("createGuestVcpu returned null: the guest has one vCPU or no "
                        + "EVTCHNOP_unmask path");
            }
        }
        AtomicIntegerArray calls = new AtomicIntegerArray(SharedInfoLayout.NR_2L_CHANNELS);
        int[][] cases = {{70, 1}, {4095, 1}, {9, 0}};   // {port, the vCPU it is bound to}; the other one unmasks it
        for (int[] c : cases) {
            int port = c[0];
            int owner = c[1];
            int other = 1 - owner;
            String what = "port " + port + " (selector word " + (port >>> 6) + "), bound to vCPU " + owner
                    + ", masked and pending, unmasked by vCPU " + other;
            xen.bindVcpu(port, owner);
            vcpus[owner].register(port, calls::incrementAndGet);
            vcpus[owner].mask(port);
            raise(port);
            assertTrue(xen.pending(port) && xen.masked(port), "the kit raised the masked " + what);
            int kicks = xen.kicks(owner);
            vcpus[other].unmask(port);
            assertTrue(!xen.masked(port), what + ": still masked after the unmask (calls: " + xen.unmaskCalls() + ")");
            assertEquals(0, xen.selector(other), what + ": the unmasking vCPU's evtchn_pending_sel was set (the event "
                    + "is left with a vCPU that does not serve the port; Linux issues EVTCHNOP_unmask for a port of "
                    + "another CPU); calls: " + xen.unmaskCalls());
            assertTrue(!xen.upcallPending(other), what + ": the unmasking vCPU's evtchn_upcall_pending was set");
            assertTrue((xen.selector(owner) & (1L << (port >>> 6))) != 0 && xen.upcallPending(owner), what
                    + ": the port's own vCPU was not raised (selector bit " + (port >>> 6) + " and evtchn_upcall_pending); "
                    + "calls: " + xen.unmaskCalls());
            assertEquals(kicks + 1, xen.kicks(owner), what + ": kicks of vCPU " + owner + " (only the hypervisor can wake "
                    + "another vCPU: EVTCHNOP_unmask); calls: " + xen.unmaskCalls());
            vcpus[other].handleUpcall();
            assertEquals(0, calls.get(port), what + ": vCPU " + other + "'s upcall ran the handler of a port it does "
                    + "not serve");
            assertTrue(xen.pending(port), what + ": vCPU " + other + "'s upcall acked a port of vCPU " + owner);
            vcpus[owner].handleUpcall();
            assertEquals(1, calls.get(port), what + ": handler calls on vCPU " + owner + "'s next upcall (0 = the port "
                    + "is stuck)");
            assertTrue(!xen.pending(port), what + ": delivered but not acked");
            vcpus[owner].mask(port);
            int after = xen.kicks(owner);
            vcpus[other].unmask(port);
            assertTrue(!xen.masked(port), "port " + port + ", masked and not pending, unmasked by vCPU " + other
                    + ": still masked");
            assertTrue(xen.selector(owner) == 0 && !xen.upcallPending(owner) && xen.selector(other) == 0
                    && !xen.upcallPending(other) && xen.kicks(owner) == after, "port " + port + ", masked and not "
                    + "pending, unmasked by vCPU " + other + ": something was raised");
        }
    }

    // ------------------------------------------------------------------------------------ EVTG-03

    /**
     * Rule {@linkplain EventChannelRules EVTG-03} ({@code RULES.md#evtg-03}): a handler closes its own port,
     * a late event for the old binding arrives, and the port is reused at once by a new binding whose first
     * event arrives, all while the old handler still runs.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the handler to call is looked up after the pending bit was test-and-cleared, for each event, never
     *       cached across a handler call (Linux 073d0552ead5);</li>
     *   <li>no "while still pending, call the same handler again" loop: the next event may belong to a new
     *       binding of the port;</li>
     *   <li>closing a port drops its handler (and masks it) so a late event finds nothing to call, even one already
     *       in the scan's snapshot (a handler of another port of the word may drop it while the scan runs);</li>
     *   <li>unregistering touches only that port's bit (mask, and whatever marks the ports this vCPU serves), takes
     *       the port out of the ports this vCPU serves, and the scan acks only ports bound to this vCPU.</li>
     * </ul>
     */
    @Test
    public void required_EVTG_03_handlerClosingItsPortWhileRunningAndReuseAtOnce() {
        int port = 12;
        int other = 13; // same selector word
        AtomicInteger oldCalls = new AtomicInteger();
        AtomicInteger newCalls = new AtomicInteger();
        AtomicInteger otherCalls = new AtomicInteger();
        try {
            guest.unregister(port); // nothing registered yet: a no-op, or unsupported
        } catch (UnsupportedOperationException e) {
            org.junit.jupiter.api.Assumptions.abort("the guest cannot unregister a port");
        }
        guest.register(other, p -> otherCalls.incrementAndGet());
        guest.register(port, p -> {
            oldCalls.incrementAndGet();
            guest.unregister(port); // the driver closes its own port from its handler
            raise(port); // a late event from the old peer, before the hypervisor's close
            clearPending(port); // EVTCHNOP_close: the hypervisor clears the pending bit (evtchn_free)
            guest.register(port, q -> newCalls.incrementAndGet()); // reused at once by a new binding
            guest.unmask(port);
            raise(port); // the new binding's first event, while the old handler still runs
        });
        guest.unmask(port);
        guest.unmask(other);
        raise(port);
        raise(other);
        for (int i = 0; i < 3; i++) {
            guest.handleUpcall();
        }
        assertEquals(1, oldCalls.get(), "the old handler was called again after it closed its port "
                + "(the late event or the new binding's event went to the old owner)");
        assertEquals(1, newCalls.get(), "the new binding's event: calls of the new handler");
        assertEquals(1, otherCalls.get(), "the other port of the word: calls");
        assertTrue(!isPending(port), "the new binding's event is acked");
        // a port dropped outside any handler (selector word 3) stays masked: a late event raises no upcall
        int dropped = 200;
        AtomicInteger droppedCalls = new AtomicInteger();
        guest.register(dropped, p -> droppedCalls.incrementAndGet());
        guest.unmask(dropped);
        raise(dropped);
        guest.handleUpcall();
        assertEquals(1, droppedCalls.get(), "port " + dropped + " before it was unregistered: calls");
        guest.unregister(dropped);
        raise(dropped); // a late event from the old peer
        assertTrue(!upcallPendingFlag(), "an event on port " + dropped + " after the guest unregistered it raised an "
                + "upcall: a port the guest no longer handles must be masked (Linux: free_irq -> mask_evtchn)");
        forceSelected(dropped);
        guest.handleUpcall();
        assertEquals(1, droppedCalls.get(), "port " + dropped + " after it was unregistered: calls");
        // unregistering a port changes nothing for the other ports of its word (selector word 3): its first and last
        // ports and another one are still served, and a pending port of the word that is not registered here (bound
        // to another vCPU) is left pending for its own vCPU, not acked
        int gone = 230;
        int notMine = 202;
        int[] neighbours = {192, 201, 255};
        AtomicIntegerArray neighbourCalls = new AtomicIntegerArray(SharedInfoLayout.NR_2L_CHANNELS);
        guest.register(gone, neighbourCalls::incrementAndGet);
        guest.unmask(gone);
        for (int p : neighbours) {
            guest.register(p, neighbourCalls::incrementAndGet);
            guest.unmask(p);
        }
        guest.unregister(gone);
        for (int p : neighbours) {
            raise(p);
        }
        raise(notMine);
        for (int i = 0; i < 3 && upcallPendingFlag(); i++) {
            guest.handleUpcall();
        }
        for (int p : neighbours) {
            assertEquals(1, neighbourCalls.get(p), "port " + p + ", in the word of port " + gone + " which the guest "
                    + "unregistered: calls");
        }
        assertTrue(isPending(notMine), "port " + notMine + ", pending and not registered on this vCPU, was acked by its "
                + "upcall: a guest acks only the ports bound to its vCPU (Linux: active_evtchns & cpu_evtchn_mask)");
        // a port unregistered (by another thread, or a handler of another port) right after the guest read its mask
        // word for its pending & ~mask snapshot, before its ack: the dropped handler never runs
        int late = 330; // selector word 5
        AtomicInteger lateCalls = new AtomicInteger();
        guest.register(late, p -> lateCalls.incrementAndGet());
        guest.unmask(late);
        raise(late);
        hostile.afterRead(SharedInfoLayout.EVTCHN_MASK_OFFSET + (late >>> 6) * 8L, 8, 1, m -> guest.unregister(late));
        guest.handleUpcall();
        assertEquals(0, lateCalls.get(), "port " + late + " was unregistered right after the guest read its mask word "
                + "(its snapshot), before the ack: its dropped handler ran");
        // a port unregistered by the handler of a port of its word that the same scan serves first: the port is in the
        // scan's snapshot and still pending when the scan reaches it, and its dropped handler never runs
        int dropper = 384; // selector word 6, served before 390 in ascending order from the resume point (after 330)
        int droppedInScan = 390;
        AtomicInteger droppedInScanCalls = new AtomicInteger();
        guest.register(droppedInScan, p -> droppedInScanCalls.incrementAndGet());
        guest.register(dropper, p -> guest.unregister(droppedInScan));
        guest.unmask(dropper);
        guest.unmask(droppedInScan);
        raise(dropper);
        raise(droppedInScan);
        guest.handleUpcall();
        assertEquals(0, droppedInScanCalls.get(), "port " + droppedInScan + " was unregistered by the handler of port "
                + dropper + ", which the same scan served first (the port was in the scan's snapshot): its dropped "
                + "handler ran");
        // a port the guest unregistered is no longer its own: when a hostile peer unmasks and raises it, the guest's
        // upcall leaves it pending (Linux: evtchn_2l_remove takes it out of cpu_evtchn_mask)
        memory.getAndBitwiseAndLong(SharedInfoLayout.EVTCHN_MASK_OFFSET + (droppedInScan >>> 6) * 8L,
                ~(1L << (droppedInScan & 63)));
        raise(droppedInScan);
        guest.handleUpcall();
        assertTrue(isPending(droppedInScan), "port " + droppedInScan + ", unregistered by the guest, then unmasked and "
                + "raised by a hostile peer, was acked by the guest's upcall: a port the guest no longer serves is left "
                + "pending (an unregistered port leaves the set of ports the vCPU serves, not only its handler)");
        assertEquals(0, droppedInScanCalls.get(), "port " + droppedInScan + " after it was unregistered: calls");
    }

    // ------------------------------------------------------------------------------------ EVTG-04

    /**
     * Rule {@linkplain EventChannelRules EVTG-04} ({@code RULES.md#evtg-04}): the guest consumes only events
     * that are published and still there when it acks them. Three cases, each with a handler registered and
     * the port unmasked: (1) the peer sets a selector bit and {@code evtchn_upcall_pending} but no pending
     * bit; (2) the peer sets a pending bit of a port whose mask bit is set, and selects its word; (3) a port is
     * raised properly, and right after the guest's first read of the port's mask word (its
     * {@code pending & ~mask} snapshot, before its ack) the hypervisor withdraws the event (a close clears
     * the pending bit, {@code evtchn_free}). In none of them may a handler run; a port raised properly
     * afterwards is still delivered once.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the selector only says which words to look at: the handler runs for a pending bit, never for a
     *       selector bit alone;</li>
     *   <li>a masked port is not dispatched (nor acked) whatever the selector says;</li>
     *   <li>the ack is an atomic test-and-clear of the pending bit and the handler runs only when it found
     *       the bit set; a snapshot is a hint, not a licence to dispatch (Linux 073d0552ead5).</li>
     * </ul>
     */
    @Test
    public void required_EVTG_04_consumesOnlyPublishedEventsStillPendingAtTheAck() {
        int selectorOnly = 20;
        int masked = 21;
        int withdrawn = 140; // word 2
        int later = 141;
        AtomicIntegerArray calls = new AtomicIntegerArray(SharedInfoLayout.NR_2L_CHANNELS);
        for (int p : new int[] {selectorOnly, masked, withdrawn, later}) {
            guest.register(p, calls::incrementAndGet);
            guest.unmask(p);
        }
        long vi = SharedInfoLayout.vcpuInfoOffset(0);
        // (1) a selector bit and the master flag, nothing pending
        memory.getAndBitwiseOrLong(vi + VcpuInfoLayout.PENDING_SEL_OFFSET, 1L << (selectorOnly >>> 6));
        memory.getAndBitwiseOrByte(vi + VcpuInfoLayout.UPCALL_PENDING_OFFSET, 1);
        guest.handleUpcall();
        assertEquals(0, calls.get(selectorOnly), "a selector bit without a pending bit ran the handler");
        // (2) pending but masked, word selected anyway
        guest.mask(masked);
        memory.getAndBitwiseOrLong(SharedInfoLayout.EVTCHN_PENDING_OFFSET + (masked >>> 6) * 8L, 1L << (masked & 63));
        memory.getAndBitwiseOrLong(vi + VcpuInfoLayout.PENDING_SEL_OFFSET, 1L << (masked >>> 6));
        memory.getAndBitwiseOrByte(vi + VcpuInfoLayout.UPCALL_PENDING_OFFSET, 1);
        guest.handleUpcall();
        assertEquals(0, calls.get(masked), "a masked port was dispatched");
        assertTrue(isPending(masked), "a masked port's event must stay pending (not acked)");
        // (3) raised, then withdrawn between the guest's snapshot and its ack
        long maskWord = SharedInfoLayout.EVTCHN_MASK_OFFSET + (withdrawn >>> 6) * 8L;
        hostile.afterRead(maskWord, 8, 1, real -> clearPending(withdrawn));
        raise(withdrawn);
        guest.handleUpcall();
        assertEquals(0, calls.get(withdrawn), "the hypervisor withdrew the event after the guest's snapshot and "
                + "before its ack (the guest's first read of the mask word), yet the handler ran: dispatch only "
                + "when the atomic test-and-clear found the pending bit set");
        raise(later);
        guest.handleUpcall();
        assertEquals(1, calls.get(later), "a port raised properly afterwards: calls");
    }

    // ------------------------------------------------------------------------------------ FE-08

    /**
     * Rule {@linkplain EventChannelRules FE-08} ({@code RULES.md#fe-08}): the frontend's side of an event
     * storm from its backend (XSA-391): 10,000 sends on a port before the upcall cost one handler call, the
     * next upcalls with nothing new pending cost none, and the frontend's other ports are served; then a
     * storm that re-sends during each handler call costs at most {@link #maxStormCallsPerUpcall()} calls per
     * upcall while the other ports are still served.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>events are acked by test-and-clear of the pending bit before the handler runs (pending is a level:
     *       many sends coalesce into one event);</li>
     *   <li>a handled port is not dispatched again unless it became pending again (no spurious work);</li>
     *   <li>the upcall loop is bounded and resumes after the last port served.</li>
     * </ul>
     */
    @Test
    public void required_FE_08_frontendCoalescesABackendStormAndServesOtherPorts() {
        int storm = 4;
        int[] others = {5, 200};
        AtomicIntegerArray calls = new AtomicIntegerArray(SharedInfoLayout.NR_2L_CHANNELS);
        guest.register(storm, calls::incrementAndGet);
        for (int p : others) {
            guest.register(p, calls::incrementAndGet);
            guest.unmask(p);
        }
        guest.unmask(storm);
        for (int i = 0; i < 10_000; i++) {
            raise(storm); // the backend sends at full rate with no work behind it
        }
        raise(others[0]);
        guest.handleUpcall();
        assertEquals(1, calls.get(storm), "10,000 sends on a pending port: handler calls (pending is a level)");
        for (int i = 0; i < 3; i++) {
            guest.handleUpcall();
        }
        assertEquals(1, calls.get(storm), "upcalls with nothing newly pending called the storming port's handler");
        assertEquals(1, calls.get(others[0]), "the other port raised with the storm: calls");
        guest.register(storm, p -> {
            if (calls.incrementAndGet(p) < STORM_LIMIT) {
                raise(p); // now it re-sends during each handler call
            }
        });
        raise(storm);
        raise(others[1]);
        for (int upcall = 1; upcall <= 3; upcall++) {
            int before = calls.get(storm);
            guest.handleUpcall();
            int made = calls.get(storm) - before;
            assertTrue(made <= maxStormCallsPerUpcall(), "upcall " + upcall + " made " + made
                    + " handler calls for the storming port (bound " + maxStormCallsPerUpcall() + ")");
        }
        assertEquals(1, calls.get(others[1]), "a port raised during the re-sending storm: calls (0 = starved)");
    }
}
