package io.pvkit.conformance.evtchn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pvkit.abi.DomId;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.evtchn.EvtchnStatus;
import io.pvkit.abi.evtchn.Virq;
import io.pvkit.conformance.hostile.HostileMemory;
import io.pvkit.conformance.spi.Capability;
import io.pvkit.conformance.spi.DomainUnderTest;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The rule about calls in progress on the same port ({@code EVT-22}): a close and a send, unmask or VIRQ delivery do
 * not overlap, checked by stopping one call of the implementation inside its access to a port's pending word (through
 * the kit's {@link HostileMemory}) and making the conflicting call from another vCPU there. Part of
 * {@link EventChannelVerification}; extend that class, not this one.
 */
public abstract class EventChannelCloseRaceVerification extends EventChannelTeardownVerification {

    /** For subclasses. */
    protected EventChannelCloseRaceVerification() {
    }

    // ------------------------------------------------------------------------------------ EVT-22

    /**
     * Rule {@linkplain EventChannelRules EVT-22} ({@code RULES.md#evt-22}): a close and a send in progress on the same
     * port do not overlap. A third domain {@code c} (2 vCPUs) is created with the kit's {@link HostileMemory} as its
     * shared-memory view ({@link Capability#SHARED_MEMORY_VIEW}), so that the kit can stop a call of the
     * implementation right after its next access to a port's pending word and, while it is stopped there, make a
     * conflicting call from another vCPU on another thread, which it lets run for {@link #raceWindowMillis()}:
     * <ol>
     *   <li>a send on an IPI port of {@code c}, stopped inside its delivery: a close of that port from vCPU 1 must not
     *       return before the send has;</li>
     *   <li>a close of an IPI port, stopped where it clears the port's pending bit: a send on it from vCPU 1 must not
     *       leave the closed port pending;</li>
     *   <li>a send of {@code b} to its peer port in {@code c}, stopped inside its delivery: a close of {@code c}'s end
     *       must not return before the send has;</li>
     *   <li>a close of {@code c}'s end of a channel, stopped where it clears the pending bit: a send of {@code b} on
     *       the other end must not leave the closed port pending;</li>
     *   <li>the closing domain's own end: {@code c}'s unmask of its (masked, pending) end of a channel, stopped after
     *       its read of the pending word: a close of that end from vCPU 1 must not return before the unmask has;</li>
     *   <li>a close of {@code c}'s end stopped where it clears the pending bit: {@code c}'s own send on that end from
     *       vCPU 1 must not return before the close has, and must then find the port closed ({@code -EINVAL});</li>
     *   <li>with the {@link #raiseVirq} hook: a delivery of VIRQ_TIMER to vCPU 0 of {@code c}, stopped after its access
     *       to the bound port's pending word: a close of the VIRQ port from vCPU 1 must not return before the delivery
     *       has.</li>
     * </ol>
     * After the second and the fourth, a port bound again at the same number is closed from vCPU 1, which must return
     * within {@link #lockProbeSeconds()} (a send that met the close left nothing behind). Deterministic: the conflicting
     * call is made at the chosen point inside the other, on every run. Checked only with the capability (an
     * {@code optional_} check of a MUST rule); each stop costs a correct implementation {@link #raceWindowMillis()}.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>send, unmask and VIRQ delivery hold the port's lock (Xen's {@code evtchn_read_lock}) from reading the
     *       binding until their last write to {@code shared_info};</li>
     *   <li>close takes the write lock of the port, and of both ends of an interdomain channel (its own end included),
     *       and waits until every reader holding them has left; a VIRQ port's close takes it too;</li>
     *   <li>a send that finds the write lock taken backs out completely and waits until the close is done.</li>
     * </ul>
     *
     * @throws InterruptedException when interrupted while waiting for another vCPU's call
     */
    @Test
    public void optional_EVT_22_closeAndSendInProgressDoNotOverlap() throws InterruptedException {
        Assumptions.assumeTrue(hypervisor.capabilities().contains(Capability.SHARED_MEMORY_VIEW),
                "capability SHARED_MEMORY_VIEW not declared: the kit cannot stop a call inside its delivery");
        HostileMemory[] views = new HostileMemory[1];
        DomainUnderTest c = create(2, m -> views[0] = new HostileMemory(m));
        HostileMemory view = views[0];
        assertNotNull(view, "the implementation declares SHARED_MEMORY_VIEW but did not call "
                + "DomainConfig.sharedView(memory) when it created the domain");
        java.util.concurrent.ExecutorService vcpu1 = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "evt-22-vcpu1");
            t.setDaemon(true);
            return t;
        });
        ConcurrentLinkedQueue<String> bad = new ConcurrentLinkedQueue<>();
        try {
            // 1. close from vCPU 1 while a send on the IPI port is stopped inside its delivery
            int p = bindIpi(c, 0);
            assertTrue(p > 0, "bind_ipi: " + XenErrno.describe(p));
            Stop stop = new Stop(view, pendingWord(c, p), vcpu1,
                    () -> raw(c, 1, EvtchnOp.CLOSE, 2048, p, 0, bad));
            assertEquals(0, send(c, p), "send on IPI port " + p);
            Assumptions.assumeTrue(stop.reached(), "the implementation does not reach shared_info through the "
                    + "shared-memory view (a send on port " + p + " never read its pending word through it)");
            assertFalse(stop.returnedWhileStopped, "a close of port " + p + " from vCPU 1 returned while a send on it "
                    + "from vCPU 0 was still inside its delivery (stopped after its access to the pending word): the "
                    + "close must wait for the send (Xen's write lock waits for evtchn_send's read lock)");
            assertEquals(0, stop.result(lockProbeSeconds(), "the close of port " + p), "close of port " + p);
            // 2. send from vCPU 1 while the close of the IPI port is stopped where it clears the pending bit
            int q = bindIpi(c, 0);
            assertTrue(q > 0, "bind_ipi: " + XenErrno.describe(q));
            clearPending(c, q);   // whatever case 1 left (the send's event is the closed port's business, EVT-04)
            stop = new Stop(view, pendingWord(c, q), vcpu1, () -> raw(c, 1, EvtchnOp.SEND, 2048, q, 0, bad));
            assertEquals(0, close(c, q), "close of IPI port " + q);
            assertStoppedSendLeftNothing(stop, c, q, "IPI port " + q);
            // 3. close of c's end from vCPU 1 while b's send to it is stopped inside its delivery
            int[] ch = connect(b, c);
            clearPending(c, ch[1]);
            stop = new Stop(view, pendingWord(c, ch[1]), vcpu1,
                    () -> raw(c, 1, EvtchnOp.CLOSE, 2048, ch[1], 0, bad));
            assertEquals(0, send(b, ch[0]), "b's send on port " + ch[0]);
            assertTrue(stop.reached(), "b's send never reached c's pending word through the view");
            assertFalse(stop.returnedWhileStopped, "a close of c's port " + ch[1] + " from vCPU 1 returned while b's "
                    + "send to it was still inside its delivery (stopped after its access to c's pending word): the "
                    + "close must wait for sends on either end (Xen's double_evtchn_lock)");
            assertEquals(0, stop.result(lockProbeSeconds(), "the close of c's port " + ch[1]), "close of c's port");
            close(b, ch[0]);   // b's end, unbound now (its result belongs to EVT-13)
            // 4. b's send while the close of c's end is stopped where it clears the pending bit
            int[] ch2 = connect(b, c);
            clearPending(c, ch2[1]);
            stop = new Stop(view, pendingWord(c, ch2[1]), vcpu1, () -> raw(b, 0, EvtchnOp.SEND, 2048, ch2[0], 0, bad));
            assertEquals(0, close(c, ch2[1]), "close of c's end " + ch2[1] + " of a channel with b");
            assertStoppedSendLeftNothing(stop, c, ch2[1], "c's port " + ch2[1] + " (b's send on its peer " + ch2[0] + ")");
            close(b, ch2[0]);
            closersOwnEnd(c, view, vcpu1, bad);
            virqDeliveryMeetsClose(c, view, vcpu1, bad);
            assertTrue(bad.isEmpty(), "vCPU 1's calls: " + bad);
        } finally {
            vcpu1.shutdownNow();
        }
    }

    /**
     * Cases 5 and 6 of {@code EVT-22}, the closing domain's own end: (5) c's unmask of its end of a channel (masked and
     * pending, so the unmask must read the pending bit) is stopped after its read of the pending word: a close of that
     * end from vCPU 1 must not return before the unmask has; (6) c's close of its end is stopped where it clears the
     * pending bit: c's own send on that end from vCPU 1 must not return before the close has, and then finds the port
     * closed ({@code -EINVAL}).
     */
    private void closersOwnEnd(DomainUnderTest c, HostileMemory view, java.util.concurrent.ExecutorService vcpu1,
            ConcurrentLinkedQueue<String> bad) throws InterruptedException {
        int[] ch = connect(b, c);
        setMask(c, ch[1]);
        assertEquals(0, send(b, ch[0]), "b's send on port " + ch[0]);
        assertTrue(pending(c, ch[1]), "b's send did not mark c's masked port " + ch[1] + " pending (EVT-14)");
        Stop stop = new Stop(view, pendingWord(c, ch[1]), vcpu1, () -> raw(c, 1, EvtchnOp.CLOSE, 2048, ch[1], 0, bad));
        assertEquals(0, unmask(c, ch[1]), "c's unmask of its port " + ch[1]);
        if (stop.disarm()) {
            // the unmask never read the pending bit through the view (an unmask that cannot raise the port fails
            // EVT-09): no stop happened, nothing to check here
            assertEquals(0, close(c, ch[1]), "close of c's port " + ch[1]);
        } else {
            assertFalse(stop.returnedWhileStopped, "a close of c's port " + ch[1] + " from vCPU 1 returned while c's own "
                    + "unmask of it was still in progress (stopped after its read of the pending word): the close must "
                    + "wait for the readers of the closing domain's own end too, not only for those of the peer's end");
            assertEquals(0, stop.result(lockProbeSeconds(), "the close of c's port " + ch[1]),
                    "close of c's port " + ch[1]);
        }
        close(b, ch[0]);   // b's end, unbound now
        int[] ch2 = connect(b, c);
        clearPending(c, ch2[1]);
        stop = new Stop(view, pendingWord(c, ch2[1]), vcpu1, () -> raw(c, 1, EvtchnOp.SEND, 2048, ch2[1], 0, bad));
        assertEquals(0, close(c, ch2[1]), "close of c's end " + ch2[1] + " of a channel with b");
        assertTrue(stop.reached(), "the close of c's port " + ch2[1] + " never read its pending word through the "
                + "shared-memory view (EVT-04: a close clears the pending bit)");
        assertFalse(stop.returnedWhileStopped, "c's send on its own port " + ch2[1] + " from vCPU 1, made while c's close "
                + "of that port was stopped where it clears the pending bit, returned before the close did: a send must "
                + "wait while its own end is being closed (Xen's evtchn_read_lock), not only while the peer's end is");
        assertEquals(EINVAL, stop.result(lockProbeSeconds(), "c's send made while the close of its port " + ch2[1]
                + " was stopped"), "c's send on port " + ch2[1] + ", made while the close of that port was in progress: "
                + "after waiting for the close it must find the port closed");
        close(b, ch2[0]);
    }

    /**
     * Case 7 of {@code EVT-22} (with the {@link #raiseVirq} hook): a delivery of VIRQ_TIMER to c's vCPU 0 is stopped
     * after its access to the bound port's pending word: a close of that VIRQ port from vCPU 1 must not return before
     * the delivery has.
     */
    private void virqDeliveryMeetsClose(DomainUnderTest c, HostileMemory view,
            java.util.concurrent.ExecutorService vcpu1, ConcurrentLinkedQueue<String> bad) throws InterruptedException {
        int timer = Virq.TIMER.code();
        int port = bindVirq(c, timer, 0);
        assertTrue(port > 0, "bind_virq: " + XenErrno.describe(port));
        clearPending(c, port);
        // the hook is asked first for vCPU 1, where the timer is not bound: nothing may happen there
        if (!raiseVirq(hypervisor, c, 1, timer)) {
            assertEquals(0, close(c, port), "close of VIRQ port " + port);
            return;
        }
        Stop stop = new Stop(view, pendingWord(c, port), vcpu1, () -> raw(c, 1, EvtchnOp.CLOSE, 2048, port, 0, bad));
        assertTrue(raiseVirq(hypervisor, c, 0, timer), "the raiseVirq hook refused a VIRQ it accepted before");
        assertTrue(stop.reached(), "the delivery of VIRQ_TIMER to c's vCPU 0 never reached its port " + port
                + "'s pending word through the shared-memory view");
        assertFalse(stop.returnedWhileStopped, "a close of VIRQ port " + port + " from vCPU 1 returned while a delivery "
                + "of its VIRQ was still in progress (stopped after its access to the pending word): the close of a VIRQ "
                + "port must wait for the delivery (Xen: virq_lock and the port's lock)");
        assertEquals(0, stop.result(lockProbeSeconds(), "the close of VIRQ port " + port), "close of VIRQ port " + port);
    }

    /** Case 2 and 4 of {@code EVT-22}: the send made while a close was stopped left the port closed, not pending. */
    private void assertStoppedSendLeftNothing(Stop stop, DomainUnderTest c, int port, String what)
            throws InterruptedException {
        assertTrue(stop.reached(), "the close of " + what + " never read its pending word through the shared-memory "
                + "view (EVT-04: a close clears the pending bit)");
        long r = stop.result(lockProbeSeconds(), "the send made while the close of " + what + " was stopped");
        assertTrue(r == 0 || r == EINVAL, "the send made while the close of " + what + " was stopped returned "
                + XenErrno.describe(r));
        assertFalse(pending(c, port), what + " is pending after its close returned: the send from the other vCPU, made "
                + "while the close was stopped where it clears the pending bit, marked the port (it must wait for the "
                + "close and then find the port closed)");
        assertEquals(EvtchnStatus.CLOSED.code(), status(c, DomId.SELF, port)[1], what + " after its close");
        int again = bindIpi(c, 0);
        assertEquals(port, again, "bind_ipi takes the lowest free port");
        Stop probe = new Stop(null, 0, stop.vcpu1, () -> raw(c, 1, EvtchnOp.CLOSE, 2048, again, 0,
                new ConcurrentLinkedQueue<>()));
        assertEquals(0, probe.result(lockProbeSeconds(), "a close of port " + again + " bound again after the "
                + "send met the close of " + what + " (a lock was left held)"));
    }

    /**
     * One stop of {@code EVT-22}: right after the next read (a load or read-modify-write, by any thread) of the
     * 8-byte word at {@code gpa} through {@code view}, the kit submits {@code call} to vCPU 1's thread and lets it run
     * for {@link #raceWindowMillis()} before the stopped call continues. With a null {@code view} the call is
     * submitted at once.
     */
    private final class Stop {
        final java.util.concurrent.ExecutorService vcpu1;
        private final java.util.concurrent.Callable<Long> call;
        private final AtomicBoolean reached = new AtomicBoolean();
        private volatile java.util.concurrent.Future<Long> future;
        volatile boolean returnedWhileStopped;

        Stop(HostileMemory view, long gpa, java.util.concurrent.ExecutorService vcpu1,
                java.util.concurrent.Callable<Long> call) {
            this.vcpu1 = vcpu1;
            this.call = call;
            if (view == null) {
                reached.set(true);
                future = vcpu1.submit(call);
                return;
            }
            view.field(gpa, 8);
            view.afterRead(gpa, 8, view.reads(gpa) + 1, m -> {
                if (reached.compareAndSet(false, true)) {
                    stopHere();
                }
            });
        }

        private void stopHere() {
            java.util.concurrent.Future<Long> f = vcpu1.submit(call);
            future = f;
            try {
                f.get(raceWindowMillis(), TimeUnit.MILLISECONDS);
                returnedWhileStopped = true;
            } catch (java.util.concurrent.TimeoutException e) {
                returnedWhileStopped = false;   // still waiting, as it must
            } catch (java.util.concurrent.ExecutionException e) {
                returnedWhileStopped = true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        boolean reached() {
            return reached.get();
        }

        /** Makes sure the stop never happens from now on; true when it had not happened (so it never will). */
        boolean disarm() {
            return reached.compareAndSet(false, true);
        }

        /** The result of the call made at the stop, waiting up to {@code seconds} for it. */
        long result(int seconds, String what) throws InterruptedException {
            java.util.concurrent.Future<Long> f = future;
            assertNotNull(f, what + " was never made");
            try {
                return f.get(seconds, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                f.cancel(true);
                return fail(what + " did not return within " + seconds + " s after the stopped call returned");
            } catch (java.util.concurrent.ExecutionException e) {
                throw new AssertionError(what + " threw", e.getCause());
            }
        }
    }
}
