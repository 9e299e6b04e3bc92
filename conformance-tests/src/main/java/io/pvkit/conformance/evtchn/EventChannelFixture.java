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
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.property.Property;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The hooks and the test fixture of the event-channel verification: what an implementation supplies (the
 * hypervisor, where each domain's {@code shared_info} lies, capability hooks) and what every rule starts from
 * (a fresh hypervisor with two unprivileged domains {@code a} and {@code b}), plus the kit's hypercall encoders
 * and {@code shared_info} readers that the rules share.
 *
 * <p>Do not extend this class directly: extend {@link EventChannelVerification}, which inherits the rules of
 * every concern ({@link EventChannelPortVerification}: allocation, lookups and bad input;
 * {@link EventChannelDeliveryVerification}: send, pending, masking and VIRQs;
 * {@link EventChannelTeardownVerification}: reset, destruction and dying domains;
 * {@link EventChannelCloseRaceVerification}: a close meeting calls in progress; {@link EventChannelVerification}:
 * locks left held and the model-based rule).
 */
public abstract class EventChannelFixture {

    static final int EINVAL = (int) XenErrno.EINVAL.negated();
    static final int ENOSPC = (int) XenErrno.ENOSPC.negated();
    static final int EPERM = (int) XenErrno.EPERM.negated();
    static final int EAGAIN = (int) XenErrno.EAGAIN.negated();
    static final int ESRCH = (int) XenErrno.ESRCH.negated();
    static final int ENOENT = (int) XenErrno.ENOENT.negated();
    static final int EBUSY = (int) XenErrno.EBUSY.negated();

    HypervisorUnderTest hypervisor;
    /** The first unprivileged test domain (2 vCPUs). */
    DomainUnderTest a;
    /** The second unprivileged test domain (1 vCPU). */
    DomainUnderTest b;
    final List<DomainUnderTest> domains = new ArrayList<>();
    /** Unexpected exceptions the implementation reported ({@link #unexpectedErrors}), checked after each rule. */
    final List<Throwable> modelErrors = java.util.Collections.synchronizedList(new ArrayList<>());

    /** For subclasses. */
    protected EventChannelFixture() {
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
     * Capability hook for {@code EVT-23}: one step of a preemptible destruction of {@code domain}, as Xen's
     * {@code evtchn_destroy} does until it answers {@code -ERESTART} and is continued: closes at most {@code maxPorts}
     * ports of the domain and answers whether all of them are closed. The first step starts the destruction (from then
     * on the domain is dying); the kit calls it on one thread, between steps makes calls of its own, and after the step
     * that answered true calls {@link HypervisorUnderTest#destroyDomain} for the domain as usual (which must then
     * finish whatever is left, if anything).
     *
     * @param hypervisor the hypervisor created by {@link #createHypervisor()}
     * @param domain a domain of the hypervisor
     * @param maxPorts the most ports this step may close, at least 1
     * @return true when the domain has no port left, false when ports remain, or null (default, and only on the first
     *     call, with nothing done) when the implementation cannot destroy a domain in steps ({@code EVT-23} is skipped)
     */
    protected Boolean destroyStep(HypervisorUnderTest hypervisor, DomainUnderTest domain, int maxPorts) {
        return null;
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
     * How long {@code EVT-22} lets another vCPU's conflicting call run while the kit holds a call of the
     * implementation stopped inside its delivery or close (default 500 ms). A correct implementation keeps the
     * conflicting call waiting, so every stop costs it this long; a broken one lets the call through, which the kit
     * sees when it returns (or leaves its mark) within the window. A shorter window only makes a broken implementation
     * on a starved machine more likely to slip through, never a correct one fail.
     *
     * @return the window in milliseconds, at least 1
     */
    protected int raceWindowMillis() {
        return 500;
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

    DomainUnderTest create(int vcpus) {
        return create(vcpus, java.util.function.UnaryOperator.identity());
    }

    /** A test domain whose shared structures the implementation reaches through {@code view} (when it can). */
    DomainUnderTest create(int vcpus, java.util.function.UnaryOperator<MemoryAccess> view) {
        DomainUnderTest d = hypervisor.createDomain(new DomainConfig(domainFrames(), vcpus, false)
                .withSharedMemoryView(view));
        domains.add(d);
        return d;
    }

    // ------------------------------------------------------------------------------------ helpers

    /** Offerer allocates an unbound port for binder, binder binds it; returns {offererPort, binderPort}. */
    int[] connect(DomainUnderTest offerer, DomainUnderTest binder) {
        int p = allocUnbound(offerer, DomId.SELF, binder.domid());
        assertTrue(p > 0, "alloc_unbound: " + XenErrno.describe(p));
        int l = bindInterdomain(binder, offerer.domid(), p);
        assertTrue(l > 0, "bind_interdomain: " + XenErrno.describe(l));
        return new int[] {p, l};
    }

    long argGpa(DomainUnderTest d) {
        return (domainFrames() - 1) * GuestMemory.PAGE_SIZE;
    }

    long call(DomainUnderTest d, int vcpu, EvtchnOp op) {
        return d.hypercall(vcpu, HypercallOp.EVENT_CHANNEL_OP.number(), op.code(), argGpa(d), 0, 0, 0);
    }

    static void await(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One hypercall whose 32-bit argument word lives at {@code offset} of the argument frame. */
    long raw(DomainUnderTest d, int vcpu, EvtchnOp op, long offset, int word, ConcurrentLinkedQueue<String> bad) {
        return raw(d, vcpu, op, offset, word, 0, bad);
    }

    /** One hypercall whose two 32-bit argument words live at {@code offset} of the argument frame (rest zero). */
    long raw(DomainUnderTest d, int vcpu, EvtchnOp op, long offset, int word, int word2,
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

    int intResult(long r) {
        if (r > Integer.MAX_VALUE || r < Integer.MIN_VALUE) {
            fail("result out of range: " + r);
        }
        return (int) r;
    }

    /** alloc_unbound; returns the port or the error. */
    int allocUnbound(DomainUnderTest d, int dom, int remote) {
        GuestMemory m = d.memory();
        long arg = argGpa(d);
        m.setShort(arg, (short) dom);
        m.setShort(arg + 2, (short) remote);
        m.setInt(arg + 4, 0);
        long r = call(d, 0, EvtchnOp.ALLOC_UNBOUND);
        return r == 0 ? m.getInt(arg + 4) : intResult(r);
    }

    int bindInterdomain(DomainUnderTest d, int remoteDom, int remotePort) {
        GuestMemory m = d.memory();
        long arg = argGpa(d);
        m.setInt(arg, 0);
        m.setShort(arg, (short) remoteDom);
        m.setInt(arg + 4, remotePort);
        m.setInt(arg + 8, 0);
        long r = call(d, 0, EvtchnOp.BIND_INTERDOMAIN);
        return r == 0 ? m.getInt(arg + 8) : intResult(r);
    }

    int bindVirq(DomainUnderTest d, int virq, int vcpu) {
        GuestMemory m = d.memory();
        long arg = argGpa(d);
        m.setInt(arg, virq);
        m.setInt(arg + 4, vcpu);
        m.setInt(arg + 8, 0);
        long r = call(d, 0, EvtchnOp.BIND_VIRQ);
        return r == 0 ? m.getInt(arg + 8) : intResult(r);
    }

    int bindIpi(DomainUnderTest d, int vcpu) {
        GuestMemory m = d.memory();
        long arg = argGpa(d);
        m.setInt(arg, vcpu);
        m.setInt(arg + 4, 0);
        long r = call(d, 0, EvtchnOp.BIND_IPI);
        return r == 0 ? m.getInt(arg + 4) : intResult(r);
    }

    int portOp(DomainUnderTest d, EvtchnOp op, int port) {
        d.memory().setInt(argGpa(d), port);
        return intResult(call(d, 0, op));
    }

    int send(DomainUnderTest d, int port) {
        return portOp(d, EvtchnOp.SEND, port);
    }

    int close(DomainUnderTest d, int port) {
        return portOp(d, EvtchnOp.CLOSE, port);
    }

    int unmask(DomainUnderTest d, int port) {
        return portOp(d, EvtchnOp.UNMASK, port);
    }

    int bindVcpu(DomainUnderTest d, int port, int vcpu) {
        d.memory().setInt(argGpa(d), port);
        d.memory().setInt(argGpa(d) + 4, vcpu);
        return intResult(call(d, 0, EvtchnOp.BIND_VCPU));
    }

    int reset(DomainUnderTest d, int dom) {
        d.memory().setShort(argGpa(d), (short) dom);
        return intResult(call(d, 0, EvtchnOp.RESET));
    }

    /** status: {rc, status, vcpu, u.dom (u16 at 16), u.interdomain.port / u.virq (u32 at 20 / 16)}. */
    int[] status(DomainUnderTest d, int dom, int port) {
        GuestMemory m = d.memory();
        long arg = argGpa(d);
        m.fill(arg, 24, (byte) 0);
        m.setShort(arg, (short) dom);
        m.setInt(arg + 4, port);
        int r = intResult(call(d, 0, EvtchnOp.STATUS));
        return new int[] {r, m.getInt(arg + 8), m.getInt(arg + 12), Short.toUnsignedInt(m.getShort(arg + 16)),
            m.getInt(arg + 20)};
    }

    long sharedInfo(DomainUnderTest d) {
        return GuestMemory.gpaOf(sharedInfoGfn(d));
    }

    long pendingWord(DomainUnderTest d, int port) {
        return sharedInfo(d) + SharedInfoLayout.EVTCHN_PENDING_OFFSET + (port >>> 6) * 8L;
    }

    long maskWord(DomainUnderTest d, int port) {
        return sharedInfo(d) + SharedInfoLayout.EVTCHN_MASK_OFFSET + (port >>> 6) * 8L;
    }

    boolean pending(DomainUnderTest d, int port) {
        return (d.memory().getLongVolatile(pendingWord(d, port)) & (1L << (port & 63))) != 0;
    }

    void clearPending(DomainUnderTest d, int port) {
        d.memory().getAndBitwiseAndLong(pendingWord(d, port), ~(1L << (port & 63)));
    }

    void setMask(DomainUnderTest d, int port) {
        d.memory().getAndBitwiseOrLong(maskWord(d, port), 1L << (port & 63));
    }

    void clearMask(DomainUnderTest d, int port) {
        d.memory().getAndBitwiseAndLong(maskWord(d, port), ~(1L << (port & 63)));
    }

    long[] pendingWords(DomainUnderTest d) {
        return words(d, SharedInfoLayout.EVTCHN_PENDING_OFFSET);
    }

    long[] maskWords(DomainUnderTest d) {
        return words(d, SharedInfoLayout.EVTCHN_MASK_OFFSET);
    }

    long[] words(DomainUnderTest d, long offset) {
        long[] w = new long[SharedInfoLayout.EVTCHN_WORDS];
        for (int i = 0; i < w.length; i++) {
            w[i] = d.memory().getLongVolatile(sharedInfo(d) + offset + i * 8L);
        }
        return w;
    }

    void clearAllPending(DomainUnderTest d) {
        for (int i = 0; i < SharedInfoLayout.EVTCHN_WORDS; i++) {
            d.memory().setLongVolatile(sharedInfo(d) + SharedInfoLayout.EVTCHN_PENDING_OFFSET + i * 8L, 0);
        }
    }

    static void assertWords(long[] expected, long[] actual, String what) {
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
    List<int[]> channelsInSeveralWords() {
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

    long selector(DomainUnderTest d, int vcpu) {
        return d.memory().getLongVolatile(sharedInfo(d) + SharedInfoLayout.vcpuInfoOffset(vcpu)
                + VcpuInfoLayout.PENDING_SEL_OFFSET);
    }

    int upcallPending(DomainUnderTest d, int vcpu) {
        return d.memory().getByte(sharedInfo(d) + SharedInfoLayout.vcpuInfoOffset(vcpu)
                + VcpuInfoLayout.UPCALL_PENDING_OFFSET);
    }

    /** What a guest does when it takes an upcall: clear the master flag, then swap the selector to 0. */
    void clearUpcall(DomainUnderTest d, int vcpu) {
        long vi = sharedInfo(d) + SharedInfoLayout.vcpuInfoOffset(vcpu);
        d.memory().getAndBitwiseAndByte(vi + VcpuInfoLayout.UPCALL_PENDING_OFFSET, 0);
        d.memory().getAndSetLong(vi + VcpuInfoLayout.PENDING_SEL_OFFSET, 0);
    }

    long upcallCount(DomainUnderTest d, int vcpu) {
        return hypervisor.capabilities().contains(Capability.UPCALL_COUNT) ? d.upcallCount(vcpu) : -1;
    }

    /** How many ports of {@code d} are in {@code state}, by status hypercalls of {@code d} (argument at offset 1024). */
    int countInState(DomainUnderTest d, EvtchnStatus state) {
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
}
