package io.pvkit.conformance.evtchn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pvkit.abi.DomId;
import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.evtchn.EvtchnStatus;
import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.evtchn.Virq;
import io.pvkit.conformance.spi.DomainUnderTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The event-channel rules about allocation, lookups and bad input: exhaustion ({@code EVT-01}), bad and
 * never-allocated ports ({@code EVT-02}), the port limit ({@code EVT-03}), who may bind what and how domains are
 * looked up ({@code EVT-10}), the reserved port 0 ({@code EVT-15}), bad pointers and unknown commands
 * ({@code EVT-21}). Part of {@link EventChannelVerification}; extend that class, not this one.
 */
public abstract class EventChannelPortVerification extends EventChannelFixture {

    /** For subclasses. */
    protected EventChannelPortVerification() {
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
}
