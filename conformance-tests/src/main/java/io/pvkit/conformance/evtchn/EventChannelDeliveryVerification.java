package io.pvkit.conformance.evtchn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pvkit.abi.DomId;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.evtchn.EvtchnStatus;
import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.evtchn.VcpuInfoLayout;
import io.pvkit.abi.evtchn.Virq;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.spi.Capability;
import io.pvkit.conformance.spi.DomainUnderTest;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The event-channel rules about delivery: close withdrawing a pending event ({@code EVT-04}), a bad FIFO control
 * block ({@code EVT-07}), storms ({@code EVT-08}), unmask ({@code EVT-09}), bind marking the local port pending
 * ({@code EVT-11}), send by port state ({@code EVT-12}), close turning the peer unbound ({@code EVT-13}), the
 * 2-level raise ({@code EVT-14}) and VIRQ delivery ({@code EVT-20}). Part of {@link EventChannelVerification};
 * extend that class, not this one.
 */
public abstract class EventChannelDeliveryVerification extends EventChannelPortVerification {

    /** For subclasses. */
    protected EventChannelDeliveryVerification() {
    }

    // ------------------------------------------------------------------------------------ EVT-04

    /**
     * Rule {@linkplain EventChannelRules EVT-04} ({@code RULES.md#evt-04}): close withdraws a pending event.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>close clears the port's pending bit ({@code evtchn_free} → {@code clear_pending});</li>
     *   <li>after close, the peer's send is dropped (the peer is unbound), not delivered to the old port;</li>
     *   <li>a reallocated port is not born pending and has the new binding's vCPU (0);</li>
     *   <li>closing a VIRQ port removes it from the VIRQ table of every vCPU it is registered on (Xen's
     *       {@code evtchn_close}, {@code ECS_VIRQ}: {@code v->virq_to_evtchn[virq] = 0} where it names the port),
     *       so that the VIRQ can be bound again ({@code bind_virq} answers {@code -EEXIST} only while it is
     *       bound).</li>
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
        // a closed VIRQ port leaves no binding behind: the per-vCPU VIRQ_TIMER on vCPU 1 and the global
        // VIRQ_CONSOLE (registered on vCPU 0, notifying vCPU 1) can each be bound again after their close
        int timer = bindVirq(a, Virq.TIMER.code(), 1);
        assertTrue(timer > 0, "bind_virq(VIRQ_TIMER, vCPU 1): " + XenErrno.describe(timer));
        int console = bindVirq(a, Virq.CONSOLE.code(), 0);
        assertTrue(console > 0, "bind_virq(VIRQ_CONSOLE, vCPU 0): " + XenErrno.describe(console));
        assertEquals(0, bindVcpu(a, console, 1), "bind_vcpu of the global VIRQ_CONSOLE's port to vCPU 1");
        assertEquals(0, close(a, timer));
        assertEquals(0, close(a, console));
        int timerAgain = bindVirq(a, Virq.TIMER.code(), 1);
        assertTrue(timerAgain > 0, "bind_virq(VIRQ_TIMER, vCPU 1) after its port " + timer + " was closed: "
                + XenErrno.describe(timerAgain) + " (the close left the VIRQ registered on vCPU 1)");
        int consoleAgain = bindVirq(a, Virq.CONSOLE.code(), 0);
        assertTrue(consoleAgain > 0, "bind_virq(VIRQ_CONSOLE, vCPU 0) after its port " + console + " was closed: "
                + XenErrno.describe(consoleAgain) + " (the close left the global VIRQ registered on vCPU 0)");
        int[] t = status(a, DomId.SELF, timerAgain);
        assertEquals(EvtchnStatus.VIRQ.code(), t[1], "status of the re-bound VIRQ_TIMER port");
        assertEquals(1, t[2], "the re-bound VIRQ_TIMER port notifies vCPU 1");
        assertEquals(0, close(a, timerAgain));
        assertEquals(0, close(a, consoleAgain));
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

    /**
     * Rule {@linkplain EventChannelRules EVT-14} ({@code RULES.md#evt-14}) on the last vCPU of a domain with the most
     * vCPUs the 2-level ABI has room for ({@code XEN_LEGACY_MAX_VCPUS} = 32 {@code vcpu_info} slots in
     * {@code shared_info}): an IPI bound to vCPU 31, and an interdomain port moved there with bind_vcpu, each raise
     * exactly vCPU 31's selector bit and {@code evtchn_upcall_pending} (and kick it once), and vCPU 32 does not exist.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>a domain may have 32 vCPUs (the bound is {@code vcpus <= 32}, not {@code < 32});</li>
     *   <li>{@code vcpu_info[31]} lies at {@code 31 * 64} in {@code shared_info}.</li>
     * </ul>
     */
    @Test
    public void required_EVT_14_theLastVcpuOfA32VcpuDomainIsRaised() {
        DomainUnderTest big = create(io.pvkit.abi.DomainSpec.MAX_VCPUS);
        int last = big.vcpus() - 1;
        assertEquals(ENOENT, bindIpi(big, big.vcpus()), "bind_ipi to vCPU " + big.vcpus() + " of a domain with "
                + big.vcpus() + " vCPUs");
        int ipi = bindIpi(big, last);
        assertTrue(ipi > 0, "bind_ipi to vCPU " + last + " of a domain with " + big.vcpus() + " vCPUs: "
                + XenErrno.describe(ipi));
        int[] ch = connect(b, big);
        assertEquals(0, bindVcpu(big, ch[1], last), "bind_vcpu of an interdomain port to vCPU " + last);
        int[][] sends = {{ipi, 0}, {ch[0], 1}};
        for (int[] sendOn : sends) {
            DomainUnderTest sender = sendOn[1] == 0 ? big : b;
            int port = sendOn[1] == 0 ? ipi : ch[1];
            String where = (sendOn[1] == 0 ? "IPI port " : "interdomain port ") + port + " of vCPU " + last;
            clearAllPending(big);
            for (int v = 0; v < big.vcpus(); v++) {
                clearUpcall(big, v);
            }
            long kicks = upcallCount(big, last);
            assertEquals(0, send(sender, sendOn[0]), "send to " + where);
            assertTrue(pending(big, port), where + " pending");
            assertEquals(1L << (port >>> 6), selector(big, last), "vCPU " + last + "'s selector after a send to " + where);
            assertEquals(1, upcallPending(big, last), "vCPU " + last + "'s evtchn_upcall_pending after a send to " + where);
            assertEquals(0, selector(big, last - 1) | upcallPending(big, last - 1) | selector(big, 0)
                    | upcallPending(big, 0), "vCPU " + (last - 1) + " and vCPU 0 after a send to " + where);
            if (kicks >= 0) {
                assertEquals(kicks + 1, upcallCount(big, last), "kicks of vCPU " + last + " by a send to " + where);
            }
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
}
