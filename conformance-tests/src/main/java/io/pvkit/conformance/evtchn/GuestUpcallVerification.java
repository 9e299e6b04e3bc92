package io.pvkit.conformance.evtchn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.evtchn.VcpuInfoLayout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.hostile.FieldFlipper;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Verifies the guest-side event-channel rules {@code EVTG-01} and {@code EVTG-02} ({@link EventChannelRules})
 * against a guest's upcall demultiplexer for one vCPU over a real {@code shared_info} page. The kit plays
 * the hypervisor: it raises ports exactly as Xen's {@code evtchn_2l_set_pending} does (pending, then the
 * selector bit, then {@code evtchn_upcall_pending}) or, for a storm, rewrites the page from another thread
 * with a {@link FieldFlipper}.
 *
 * <p>Extend it in your test scope:
 * {@snippet :
 * class MyGuestUpcallConformanceTest extends GuestUpcallVerification {
 *     @Override
 *     protected GuestVcpuUnderTest createGuest(GuestMemory memory, long sharedInfoGfn, int vcpu) {
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
public abstract class GuestUpcallVerification {

    /** Calls of the storming port's handler after which the kit's storm stops (so that broken guests end). */
    private static final int STORM_LIMIT = 100_000;
    private static final long STORM_TIMEOUT_MILLIS = 3_000;

    /** The guest's event-channel code for one vCPU, as the kit drives it. */
    public interface GuestVcpuUnderTest {
        /**
         * Registers the handler of a port bound to this vCPU; does not change its mask bit.
         *
         * @param port the port
         * @param handler called with the port for each event delivered
         */
        void register(int port, IntConsumer handler);

        /**
         * Masks a port (the guest sets its mask bit).
         *
         * @param port the port
         */
        void mask(int port);

        /**
         * Unmasks a port the way the guest does locally (for Linux: {@code evtchn_2l_unmask}).
         *
         * @param port the port
         */
        void unmask(int port);

        /** Handles one upcall on this vCPU (returns when the guest would return from the upcall). */
        void handleUpcall();
    }

    private GuestMemory memory;
    private GuestVcpuUnderTest guest;

    /** For subclasses. */
    protected GuestUpcallVerification() {
    }

    /**
     * Creates the guest code under test for {@code vcpu}, over {@code memory} whose frame
     * {@code sharedInfoGfn} holds {@code shared_info} (all ports unmasked, nothing pending).
     *
     * @param memory the guest's memory (one frame)
     * @param sharedInfoGfn the frame of {@code shared_info} (0)
     * @param vcpu the vCPU (0)
     * @return the guest under test
     */
    protected abstract GuestVcpuUnderTest createGuest(GuestMemory memory, long sharedInfoGfn, int vcpu);

    /**
     * The most handler calls of one storming port the guest may make in one upcall (default 64).
     *
     * @return the bound
     */
    protected int maxStormCallsPerUpcall() {
        return 64;
    }

    /** Creates the page and the guest. */
    @BeforeEach
    public void setUpGuest() {
        memory = GuestMemory.allocate(1);
        guest = createGuest(memory, 0, 0);
        assertNotNull(guest, "createGuest() returned null");
    }

    /** Frees the page. */
    @AfterEach
    public void tearDownGuest() {
        if (memory != null) {
            memory.close();
        }
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
     * Rule {@linkplain EventChannelRules EVTG-01} ({@code RULES.md#evtg-01}): the same under a concurrent
     * storm: a {@link FieldFlipper} thread keeps storing the storming port's pending bit,
     * {@code evtchn_upcall_pending} and the selector (words 0 and 1) into the real page while the guest runs
     * 50 upcalls. (The flipper's plain stores race with the guest's acks, so this storm is not
     * deterministic; {@code required_EVTG_01_stormCostsBoundedWorkAndOtherPortsAreServed} is.)
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>one upcall returns even when {@code evtchn_upcall_pending} is set again forever (round cap);</li>
     *   <li>a port raised once is handled once, however often its selector word is selected again
     *       (pending is a level, not a count: ack by test-and-clear).</li>
     * </ul>
     *
     * @throws InterruptedException when interrupted while waiting for the guest
     */
    @Test
    public void required_EVTG_01_upcallReturnsUnderAConcurrentStorm() throws InterruptedException {
        int storm = 5; // alone in word 0; the flipper owns the low half of that word
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
        long si = 0;
        long vi = si + SharedInfoLayout.vcpuInfoOffset(0);
        AtomicInteger maxPerUpcall = new AtomicInteger();
        Thread vcpu;
        boolean finished;
        try (FieldFlipper pending = FieldFlipper.start(memory.segment(), si + SharedInfoLayout.EVTCHN_PENDING_OFFSET,
                1 << storm, 1 << storm);
             FieldFlipper upcall = FieldFlipper.start(memory.segment(), vi + VcpuInfoLayout.UPCALL_PENDING_OFFSET, 1, 1);
             FieldFlipper selector = FieldFlipper.start(memory.segment(), vi + VcpuInfoLayout.PENDING_SEL_OFFSET, 3, 3)) {
            long started = System.nanoTime();
            while ((pending.flips() == 0 || upcall.flips() == 0 || selector.flips() == 0)
                    && System.nanoTime() - started < TimeUnit.SECONDS.toNanos(5)) {
                Thread.onSpinWait();
            }
            assertTrue(pending.flips() > 0 && upcall.flips() > 0 && selector.flips() > 0, "the storm did not start");
            vcpu = Thread.ofPlatform().name("evtg-01-vcpu").start(() -> {
                for (int i = 0; i < 50; i++) {
                    int before = calls.get(storm);
                    guest.handleUpcall();
                    maxPerUpcall.accumulateAndGet(calls.get(storm) - before, Math::max);
                }
            });
            vcpu.join(STORM_TIMEOUT_MILLIS);
            finished = !vcpu.isAlive();
        }
        vcpu.join(TimeUnit.SECONDS.toMillis(30)); // the storm has stopped: a guest without a round cap ends now
        if (!finished) {
            fail("50 upcalls did not return within " + STORM_TIMEOUT_MILLIS + " ms under a storm on port " + storm
                    + " (" + calls.get(storm) + " handler calls): no bound on the work per upcall");
        }
        assertTrue(maxPerUpcall.get() <= maxStormCallsPerUpcall(), "one upcall made " + maxPerUpcall.get()
                + " handler calls for the storming port (bound " + maxStormCallsPerUpcall() + ")");
        assertTrue(calls.get(storm) >= 1, "the storming port was never served");
        for (int p : others) {
            assertEquals(1, calls.get(p), "port " + p + " raised once: handler calls during the storm");
        }
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
        int port = 9;
        AtomicIntegerArray calls = new AtomicIntegerArray(SharedInfoLayout.NR_2L_CHANNELS);
        guest.register(port, calls::incrementAndGet);
        guest.mask(port);
        raise(port);
        guest.handleUpcall();
        assertEquals(0, calls.get(port), "a masked port was delivered");
        assertTrue(isPending(port), "a masked port's event stays pending");
        guest.unmask(port);
        guest.handleUpcall();
        assertEquals(1, calls.get(port), "unmask of a pending port: deliveries on the next upcall");
        guest.handleUpcall();
        guest.unmask(port);
        guest.handleUpcall();
        assertEquals(1, calls.get(port), "delivered more than once");
        assertTrue(!isPending(port), "the delivered event is acked");
    }

    // ------------------------------------------------------------------------------------ helpers

    /** Xen's {@code evtchn_2l_set_pending} for vCPU 0 of the page. */
    private void raise(int port) {
        long word = (port >>> 6) * 8L;
        long bit = 1L << (port & 63);
        if ((memory.getAndBitwiseOrLong(SharedInfoLayout.EVTCHN_PENDING_OFFSET + word, bit) & bit) != 0) {
            return;
        }
        if ((memory.getLongVolatile(SharedInfoLayout.EVTCHN_MASK_OFFSET + word) & bit) != 0) {
            return;
        }
        long vi = SharedInfoLayout.vcpuInfoOffset(0);
        long sel = 1L << (port >>> 6);
        if ((memory.getAndBitwiseOrLong(vi + VcpuInfoLayout.PENDING_SEL_OFFSET, sel) & sel) == 0) {
            memory.getAndBitwiseOrByte(vi + VcpuInfoLayout.UPCALL_PENDING_OFFSET, (byte) 1);
        }
    }

    private boolean isPending(int port) {
        return (memory.getLongVolatile(SharedInfoLayout.EVTCHN_PENDING_OFFSET + (port >>> 6) * 8L)
                & (1L << (port & 63))) != 0;
    }
}
