package io.pvkit.events;

import io.pvkit.abi.evtchn.EvtchnStatus;
import io.pvkit.abi.evtchn.Virq;
import io.pvkit.events.internal.VirqRules;

import io.pvkit.abi.DomId;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.memory.GuestMemory;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Model-based test: random sequences of every operation across three domains (dom0 privileged, two
 * guests with two vCPUs each) against a model of port states and pending/mask bits, with invariants
 * checked after every step. Seeded; a failure prints the seed, and {@code -Dpvkit.seed=N} replays it.
 * It stays beside the kit's model-based rule EVT-17 (which shrinks, but sees only hypercalls and shared
 * memory) because it also drives the guest demultiplexer, VIRQs, exhaustion and domain death directly.
 */
class EventChannelModelTest {
    static final int DOMS = 3;
    static final int VCPUS = 2;
    static final int LIMIT = 24; // small, so that exhaustion (-ENOSPC) happens often
    static final int STEPS = 120;

    /** Model of one port. */
    static final class MPort {
        EvtchnStatus state = EvtchnStatus.CLOSED;
        int remoteDom;
        int remotePort;
        int vcpu;
        int virq;
        boolean pending;
        boolean masked;
    }

    /** One try: the real system, the model and the guest demultiplexers. */
    static final class World implements AutoCloseable {
        final SplittableRandom rnd;
        final EventChannels ec = new EventChannels();
        final GuestMemory[] mem = new GuestMemory[DOMS];
        final MPort[][] model = new MPort[DOMS][LIMIT];
        final UpcallDemultiplexer[][] demux = new UpcallDemultiplexer[DOMS][VCPUS];
        final List<Integer> dispatched = new ArrayList<>();
        final List<String> log = new ArrayList<>();

        World(long seed) {
            rnd = new SplittableRandom(seed);
            for (int d = 0; d < DOMS; d++) {
                boot(d);
            }
        }

        void boot(int d) {
            if (mem[d] != null) {
                mem[d].close();
            }
            mem[d] = GuestMemory.allocate(1);
            for (int p = 0; p < LIMIT; p++) {
                model[d][p] = new MPort();
            }
            ec.addDomain(new DomainSpec(d, mem[d], VCPUS, d == 0), 0, v -> { }, LIMIT);
            for (int v = 0; v < VCPUS; v++) {
                demux[d][v] = new UpcallDemultiplexer(mem[d], 0, v, 8);
            }
        }

        @Override
        public void close() {
            for (GuestMemory m : mem) {
                m.close();
            }
        }

        int lowestFree(int d) {
            for (int p = 1; p < LIMIT; p++) {
                if (model[d][p].state == EvtchnStatus.CLOSED) {
                    return p;
                }
            }
            return -1;
        }

        int anyPort() {
            return switch (rnd.nextInt(6)) {
                case 0 -> -1;
                case 1 -> LIMIT + rnd.nextInt(5000);
                case 2 -> 0;
                default -> 1 + rnd.nextInt(LIMIT - 1);
            };
        }

        int anyDom(int caller) {
            int r = rnd.nextInt(DOMS + 2);
            return r == DOMS ? DomId.SELF : r == DOMS + 1 ? 9 : r;
        }

        int resolve(int caller, int dom) {
            return dom == DomId.SELF ? caller : dom;
        }

        void registerHandler(int d, int port) {
            int v = model[d][port].vcpu;
            for (int u = 0; u < VCPUS; u++) {
                if (u != v) {
                    demux[d][u].unregister(port);
                }
            }
            model[d][port].masked = false; // unregister masks; register + unmask re-enables on v
            demux[d][v].register(port, dispatched::add);
            demux[d][v].unmask(port);
        }

        void freePort(int d, int p) {
            MPort m = model[d][p];
            if (m.state == EvtchnStatus.INTERDOMAIN) {
                MPort peer = model[m.remoteDom][m.remotePort];
                peer.state = EvtchnStatus.UNBOUND;
                peer.remoteDom = d;
                peer.remotePort = 0;
            }
            boolean masked = m.masked;
            model[d][p] = new MPort();
            model[d][p].masked = masked;
        }

        void raise(int d, int p) {
            model[d][p].pending = true;
        }

        void step() {
            int caller = rnd.nextInt(DOMS);
            int op = rnd.nextInt(13);
            switch (op) {
                case 0 -> { // alloc_unbound
                    int dom = rnd.nextInt(4) == 0 ? anyDom(caller) : DomId.SELF;
                    int remote = anyDom(caller);
                    int got = ec.allocUnbound(caller, dom, remote);
                    int d = resolve(caller, dom);
                    int want;
                    if (d >= DOMS) {
                        want = -3;
                    } else if (lowestFree(d) < 0) {
                        want = -28;
                    } else if (d != caller && caller != 0) {
                        want = -1;
                    } else {
                        want = lowestFree(d);
                        MPort m = model[d][want];
                        m.state = EvtchnStatus.UNBOUND;
                        m.remoteDom = remote == DomId.SELF ? caller : remote;
                    }
                    check("alloc_unbound(" + caller + "," + dom + "," + remote + ")", want, got);
                    if (got > 0) {
                        // the guest that owns the new port listens on it, as a frontend does before it
                        // publishes the port; without a handler the model could not expect its events
                        registerHandler(d, got);
                    }
                }
                case 1, 2 -> { // bind_interdomain, usually to a port offered to the caller
                    int rdom = anyDom(caller);
                    int rport = anyPort();
                    if (op == 2) {
                        for (int d = 0; d < DOMS; d++) {
                            for (int p = 1; p < LIMIT; p++) {
                                if (model[d][p].state == EvtchnStatus.UNBOUND && model[d][p].remoteDom == caller) {
                                    rdom = d;
                                    rport = p;
                                }
                            }
                        }
                    }
                    int got = ec.bindInterdomain(caller, rdom, rport);
                    int rd = resolve(caller, rdom);
                    int want;
                    if (rd >= DOMS) {
                        want = -3;
                    } else if (lowestFree(caller) < 0) {
                        want = -28;
                    } else if (rport < 0 || rport >= LIMIT || model[rd][rport].state != EvtchnStatus.UNBOUND
                            || model[rd][rport].remoteDom != caller) {
                        want = -22;
                    } else {
                        want = lowestFree(caller);
                        MPort l = model[caller][want];
                        l.state = EvtchnStatus.INTERDOMAIN;
                        l.remoteDom = rd;
                        l.remotePort = rport;
                        l.vcpu = 0;
                        MPort r = model[rd][rport];
                        r.state = EvtchnStatus.INTERDOMAIN;
                        r.remoteDom = caller;
                        r.remotePort = want;
                        raise(caller, want);
                    }
                    check("bind_interdomain(" + caller + "," + rdom + "," + rport + ")", want, got);
                    if (got > 0) {
                        registerHandler(caller, got);
                    }
                }
                case 3 -> { // bind_virq
                    int virq = rnd.nextInt(4) == 0 ? rnd.nextInt(30) - 2 : rnd.nextBoolean() ? Virq.TIMER.code() : Virq.CONSOLE.code();
                    int vcpu = rnd.nextInt(VCPUS + 1);
                    int got = ec.bindVirq(caller, virq, vcpu);
                    int want;
                    boolean exists = false;
                    for (int p = 1; p < LIMIT; p++) {
                        MPort m = model[caller][p];
                        exists |= m.state == EvtchnStatus.VIRQ && m.virq == virq
                                && (VirqRules.isGlobal(virq) ? vcpu == 0 : m.vcpu == vcpu);
                    }
                    if (virq < 0 || virq >= Virq.NR_VIRQS || (VirqRules.isGlobal(virq) && vcpu != 0)) {
                        want = -22;
                    } else if (vcpu >= VCPUS) {
                        want = -2;
                    } else if (exists) {
                        want = -17;
                    } else if (lowestFree(caller) < 0) {
                        want = -28;
                    } else {
                        want = lowestFree(caller);
                        MPort m = model[caller][want];
                        m.state = EvtchnStatus.VIRQ;
                        m.vcpu = vcpu;
                        m.virq = virq;
                    }
                    check("bind_virq(" + caller + "," + virq + "," + vcpu + ")", want, got);
                    if (got > 0) {
                        registerHandler(caller, got);
                    }
                }
                case 4 -> { // bind_ipi
                    int vcpu = rnd.nextInt(VCPUS + 1);
                    int got = ec.bindIpi(caller, vcpu);
                    int want;
                    if (vcpu >= VCPUS) {
                        want = -2;
                    } else if (lowestFree(caller) < 0) {
                        want = -28;
                    } else {
                        want = lowestFree(caller);
                        model[caller][want].state = EvtchnStatus.IPI;
                        model[caller][want].vcpu = vcpu;
                    }
                    check("bind_ipi(" + caller + "," + vcpu + ")", want, got);
                    if (got > 0) {
                        registerHandler(caller, got);
                    }
                }
                case 5 -> { // close
                    int port = anyPort();
                    int got = ec.close(caller, port);
                    int want = port <= 0 || port >= LIMIT || model[caller][port].state == EvtchnStatus.CLOSED ? -22 : 0;
                    if (want == 0) {
                        freePort(caller, port);
                    }
                    check("close(" + caller + "," + port + ")", want, got);
                }
                case 6, 7 -> { // send
                    int port = anyPort();
                    int got = ec.send(caller, port);
                    int want = -22;
                    if (port > 0 && port < LIMIT) {
                        MPort m = model[caller][port];
                        switch (m.state) {
                            case INTERDOMAIN -> {
                                want = 0;
                                raise(m.remoteDom, m.remotePort);
                            }
                            case IPI -> {
                                want = 0;
                                raise(caller, port);
                            }
                            case UNBOUND -> want = 0;
                            default -> want = -22;
                        }
                    }
                    check("send(" + caller + "," + port + ")", want, got);
                }
                case 8 -> { // guest mask, or unmask via hypercall
                    int port = 1 + rnd.nextInt(LIMIT - 1);
                    if (rnd.nextBoolean()) {
                        demux[caller][0].mask(port);
                        model[caller][port].masked = true;
                    } else {
                        check("unmask(" + caller + "," + port + ")", 0, ec.unmask(caller, port));
                        model[caller][port].masked = false;
                    }
                }
                case 9 -> { // bind_vcpu, Linux-style: mask, rebind, move handler, unmask
                    int port = anyPort();
                    int vcpu = rnd.nextInt(VCPUS + 1);
                    boolean inRange = port > 0 && port < LIMIT;
                    if (inRange) {
                        demux[caller][0].mask(port);
                        model[caller][port].masked = true;
                    }
                    int got = ec.bindVcpu(caller, port, vcpu);
                    int want;
                    if (vcpu >= VCPUS) {
                        want = -2;
                    } else if (!inRange) {
                        want = -22;
                    } else {
                        MPort m = model[caller][port];
                        boolean ok = m.state == EvtchnStatus.UNBOUND || m.state == EvtchnStatus.INTERDOMAIN
                                || (m.state == EvtchnStatus.VIRQ && VirqRules.isGlobal(m.virq));
                        want = ok ? 0 : -22;
                        if (ok) {
                            m.vcpu = vcpu;
                        }
                    }
                    check("bind_vcpu(" + caller + "," + port + "," + vcpu + ")", want, got);
                    if (inRange && model[caller][port].state != EvtchnStatus.CLOSED) {
                        registerHandler(caller, port);
                    }
                }
                case 10 -> { // upcall on every vCPU of the caller
                    Set<Integer> expected = new HashSet<>();
                    for (int p = 1; p < LIMIT; p++) {
                        MPort m = model[caller][p];
                        if (m.pending && !m.masked && m.state != EvtchnStatus.CLOSED) {
                            expected.add(p);
                        }
                    }
                    dispatched.clear();
                    for (int v = 0; v < VCPUS; v++) {
                        demux[caller][v].handleUpcall();
                    }
                    // every delivered upcall corresponds to a pending unmasked port, each once
                    assertEquals(new HashSet<>(dispatched).size(), dispatched.size(), "dispatched twice " + dispatched);
                    assertTrue(expected.containsAll(dispatched), "spurious dispatch " + dispatched + " expected " + expected);
                    // nothing pending is lost
                    assertEquals(expected, new HashSet<>(dispatched), "lost events on dom" + caller);
                    for (int p : dispatched) {
                        model[caller][p].pending = false;
                    }
                    log.add("upcall(" + caller + ") -> " + dispatched);
                }
                case 11 -> { // reset (self, or another domain)
                    int dom = rnd.nextInt(3) == 0 ? anyDom(caller) : DomId.SELF;
                    int got = ec.reset(caller, dom);
                    int d = resolve(caller, dom);
                    int want = d >= DOMS ? -3 : (d != caller && caller != 0) ? -1 : 0;
                    if (want == 0) {
                        for (int p = 1; p < LIMIT; p++) {
                            if (model[d][p].state != EvtchnStatus.CLOSED) {
                                freePort(d, p);
                            }
                        }
                    }
                    check("reset(" + caller + "," + dom + ")", want, got);
                }
                default -> { // a guest dies and a new one boots with the same id, or a VIRQ fires
                    if (rnd.nextInt(4) == 0 && caller != 0) {
                        for (int p = 1; p < LIMIT; p++) {
                            if (model[caller][p].state != EvtchnStatus.CLOSED) {
                                freePort(caller, p);
                            }
                        }
                        int budget = 1 + rnd.nextInt(LIMIT + 2);
                        int calls = 1;
                        while (!ec.releaseDomain(caller, budget)) {
                            assertTrue(ec.hasDomain(caller), "a domain being released is still registered");
                            assertEquals((int) XenErrno.ESRCH.negated(), ec.send(caller, 1), "a domain being released answers -ESRCH");
                            calls++;
                        }
                        assertFalse(ec.hasDomain(caller));
                        // budget counts ports examined: exactly ceil(LIMIT / budget) calls
                        assertEquals((LIMIT + budget - 1) / budget, calls, "release calls with budget " + budget);
                        log.add("release(" + caller + ", " + budget + ")+boot(" + caller + ")");
                        boot(caller);
                    } else {
                        int virq = rnd.nextBoolean() ? Virq.TIMER.code() : Virq.CONSOLE.code();
                        int vcpu = rnd.nextInt(VCPUS);
                        boolean got = ec.raiseVirq(caller, vcpu, virq);
                        boolean want = false;
                        for (int p = 1; p < LIMIT; p++) {
                            MPort m = model[caller][p];
                            if (m.state == EvtchnStatus.VIRQ && m.virq == virq && (VirqRules.isGlobal(virq) || m.vcpu == vcpu)) {
                                want = true;
                                raise(caller, p);
                            }
                        }
                        assertEquals(want, got, "raiseVirq(" + caller + "," + vcpu + "," + virq + ")");
                        log.add("raiseVirq(" + caller + "," + vcpu + "," + virq + ") -> " + got);
                    }
                }
            }
            checkInvariants();
        }

        void check(String what, int want, int got) {
            log.add(what + " -> " + XenErrno.describe(got));
            assertEquals(want, got, what + ": want " + XenErrno.describe(want) + ", got " + XenErrno.describe(got));
        }

        void checkInvariants() {
            for (int d = 0; d < DOMS; d++) {
                for (int p = 0; p < LIMIT; p++) {
                    MPort m = model[d][p];
                    ChannelStatus s = ec.inspect(d, p);
                    assertEquals(m.state, s.state(), "state of dom" + d + ":" + p);
                    if (m.state != EvtchnStatus.CLOSED) {
                        assertEquals(m.vcpu, s.vcpu(), "vcpu of dom" + d + ":" + p);
                    }
                    if (m.state == EvtchnStatus.INTERDOMAIN) {
                        assertEquals(m.remoteDom, s.remoteDom());
                        assertEquals(m.remotePort, s.remotePort());
                        // consistent bindings: the peer points back
                        ChannelStatus peer = ec.inspect(s.remoteDom(), s.remotePort());
                        assertEquals(EvtchnStatus.INTERDOMAIN, peer.state(), "peer of dom" + d + ":" + p);
                        assertEquals(d, peer.remoteDom());
                        assertEquals(p, peer.remotePort());
                    }
                    if (m.state == EvtchnStatus.UNBOUND) {
                        assertEquals(m.remoteDom, s.remoteDom(), "unbound remote of dom" + d + ":" + p);
                    }
                    long base = SharedInfoLayout.EVTCHN_PENDING_OFFSET;
                    boolean pend = (mem[d].getLong(base + (p / 64) * 8L) & (1L << (p % 64))) != 0;
                    assertEquals(m.pending, pend, "pending of dom" + d + ":" + p);
                    boolean mask = (mem[d].getLong(SharedInfoLayout.EVTCHN_MASK_OFFSET + (p / 64) * 8L)
                            & (1L << (p % 64))) != 0;
                    assertEquals(m.masked, mask, "mask of dom" + d + ":" + p);
                }
            }
        }
    }

    @Test
    void randomOperationSequencesAgreeWithTheModel() {
        String fixed = System.getProperty("pvkit.seed");
        int tries = fixed != null ? 1 : Integer.getInteger("pvkit.tries", 200);
        long base = fixed != null ? Long.parseLong(fixed) : new SplittableRandom().nextLong();
        for (int t = 0; t < tries; t++) {
            long seed = fixed != null ? base : base + t * 0x9E3779B97F4A7C15L;
            try (World w = new World(seed)) {
                try {
                    for (int s = 0; s < STEPS; s++) {
                        w.step();
                    }
                } catch (AssertionError e) {
                    int from = Boolean.getBoolean("pvkit.fullLog") ? 0 : Math.max(0, w.log.size() - 25);
                    fail("model test failed with seed " + seed + " (replay: -Dpvkit.seed=" + seed + "); last steps:\n  "
                            + String.join("\n  ", w.log.subList(from, w.log.size())), e);
                }
            }
        }
    }
}
