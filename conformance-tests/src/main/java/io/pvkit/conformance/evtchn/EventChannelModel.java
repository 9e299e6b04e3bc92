package io.pvkit.conformance.evtchn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pvkit.abi.DomId;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.EvtchnStatus;
import io.pvkit.abi.evtchn.Virq;
import io.pvkit.conformance.property.Action;
import io.pvkit.conformance.property.Gen;
import io.pvkit.conformance.property.Gens;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The immutable model of rule {@code EVT-17}: three domains' port tables (state, binding, notify vCPU,
 * VIRQ) and their pending/mask bits, and the actions (every {@code EVTCHNOP} a guest can issue, plus a
 * guest's mask and a guest taking an upcall) that run against a hypervisor under test and the model side
 * by side. Every action's expected result comes from the model alone ({@link Action#run} compares,
 * {@link Action#nextModel} advances), following Xen 4.17's {@code event_channel.c} and {@code event_2l.c}.
 */
final class EventChannelModel {

    /** Ports the model uses (all within Xen's first port bucket, so "valid" means "below this"). */
    static final int PORTS = 48;
    /** vCPUs of the three domains. */
    static final int[] VCPUS = {2, 1, 2};
    static final int DOMAINS = VCPUS.length;

    static final int EINVAL = (int) XenErrno.EINVAL.negated();
    static final int ENOENT = (int) XenErrno.ENOENT.negated();
    static final int EEXIST = (int) XenErrno.EEXIST.negated();
    static final int EPERM = (int) XenErrno.EPERM.negated();
    static final int ESRCH = (int) XenErrno.ESRCH.negated();

    /** What the model needs from the system under test (domains addressed by slot 0..2). */
    interface Ops {
        int domid(int slot);

        int allocUnbound(int slot, int dom, int remoteDom);

        int bindInterdomain(int slot, int remoteDom, int remotePort);

        int bindVirq(int slot, int virq, int vcpu);

        int bindIpi(int slot, int vcpu);

        int close(int slot, int port);

        int send(int slot, int port);

        int unmask(int slot, int port);

        int bindVcpu(int slot, int port, int vcpu);

        int reset(int slot);

        /** {rc, state, vcpu, u.dom (u16), u32 at 20}. */
        int[] status(int slot, int port);

        boolean pending(int slot, int port);

        boolean masked(int slot, int port);

        long selector(int slot, int vcpu);

        int upcallPending(int slot, int vcpu);

        /** The guest sets the mask bit itself. */
        void guestMask(int slot, int port);

        /** The guest takes an upcall on every vCPU and acks every pending unmasked port of the selected words. */
        Set<Integer> guestUpcall(int slot);
    }

    /** One port of the model. */
    record Port(EvtchnStatus state, int remoteSlot, int remotePort, int vcpu, int virq, boolean pending,
                boolean masked) {
        static final Port FREE = new Port(EvtchnStatus.CLOSED, 0, 0, 0, 0, false, false);

        Port pending(boolean p) {
            return new Port(state, remoteSlot, remotePort, vcpu, virq, p, masked);
        }

        Port masked(boolean m) {
            return new Port(state, remoteSlot, remotePort, vcpu, virq, pending, m);
        }

        Port vcpu(int v) {
            return new Port(state, remoteSlot, remotePort, v, virq, pending, masked);
        }

        /** The same mask bit (it is guest memory), everything else as {@code next}. */
        Port rebind(EvtchnStatus s, int rslot, int rport, int v, int q, boolean p) {
            return new Port(s, rslot, rport, v, q, p, masked);
        }
    }

    /** Immutable port tables of the three domains. */
    static final class Model {
        private final Port[][] ports;

        private Model(Port[][] ports) {
            this.ports = ports;
        }

        static Model initial() {
            Port[][] p = new Port[DOMAINS][PORTS];
            for (Port[] row : p) {
                Arrays.fill(row, Port.FREE);
            }
            return new Model(p);
        }

        Port port(int slot, int port) {
            return ports[slot][port];
        }

        Model with(int slot, int port, Port value) {
            Port[][] next = ports.clone();
            next[slot] = ports[slot].clone();
            next[slot][port] = value;
            return new Model(next);
        }

        int lowestFree(int slot) {
            for (int p = 1; p < PORTS; p++) {
                if (ports[slot][p].state() == EvtchnStatus.CLOSED) {
                    return p;
                }
            }
            throw new IllegalStateException("model exhausted its ports; lower maxSteps");
        }

        /** Ports worth checking: up to the highest one with any state, plus two. */
        int checkLimit(int slot) {
            int high = 0;
            for (int p = 1; p < PORTS; p++) {
                Port x = ports[slot][p];
                if (x.state() != EvtchnStatus.CLOSED || x.pending() || x.masked()) {
                    high = p;
                }
            }
            return Math.min(PORTS, high + 3);
        }

        /** close/reset of one port: the peer of an interdomain port goes back to unbound, offered to slot. */
        Model free(int slot, int port) {
            Port x = ports[slot][port];
            Model m = this;
            if (x.state() == EvtchnStatus.INTERDOMAIN) {
                Port peer = m.port(x.remoteSlot(), x.remotePort());
                m = m.with(x.remoteSlot(), x.remotePort(),
                        peer.rebind(EvtchnStatus.UNBOUND, slot, 0, peer.vcpu(), 0, peer.pending()));
            }
            return m.with(slot, port, Port.FREE.masked(x.masked()));
        }

        /** (slot, port) pairs of unbound ports offered to {@code slot}. */
        List<int[]> offeredTo(int slot) {
            List<int[]> out = new ArrayList<>();
            for (int d = 0; d < DOMAINS; d++) {
                for (int p = 1; p < PORTS; p++) {
                    if (ports[d][p].state() == EvtchnStatus.UNBOUND && ports[d][p].remoteSlot() == slot) {
                        out.add(new int[] {d, p});
                    }
                }
            }
            return out;
        }
    }

    /** A step with one expected integer result; the model's prediction drives both run and nextModel. */
    abstract static class Step implements Action<Model, Ops> {
        /** The expected result and the model after the step. */
        record Prediction(int result, Model next) {
        }

        abstract Prediction predict(Model m);

        abstract int call(Ops s);

        @Override
        public void run(Ops system, Model model) {
            int want = predict(model).result();
            int got = call(system);
            assertEquals(want, got, () -> this + ": expected " + XenErrno.describe(want) + " but was "
                    + XenErrno.describe(got));
        }

        @Override
        public Model nextModel(Model model) {
            return predict(model).next();
        }
    }

    static final class AllocUnbound extends Step {
        final int slot;
        final int domSlot; // -1 = DOMID_SELF
        final int remoteSlot; // -1 = DOMID_SELF

        AllocUnbound(int slot, int domSlot, int remoteSlot) {
            this.slot = slot;
            this.domSlot = domSlot;
            this.remoteSlot = remoteSlot;
        }

        @Override
        Prediction predict(Model m) {
            if (domSlot >= 0 && domSlot != slot) {
                return new Prediction(EPERM, m); // unprivileged caller, another domain
            }
            int port = m.lowestFree(slot);
            int remote = remoteSlot < 0 ? slot : remoteSlot;
            return new Prediction(port, m.with(slot, port,
                    m.port(slot, port).rebind(EvtchnStatus.UNBOUND, remote, 0, 0, 0, false)));
        }

        @Override
        int call(Ops s) {
            return s.allocUnbound(slot, domSlot < 0 ? DomId.SELF : s.domid(domSlot),
                    remoteSlot < 0 ? DomId.SELF : s.domid(remoteSlot));
        }

        @Override
        public String toString() {
            return "alloc_unbound(d" + slot + ", dom=" + (domSlot < 0 ? "SELF" : "d" + domSlot) + ", remote="
                    + (remoteSlot < 0 ? "SELF" : "d" + remoteSlot) + ")";
        }
    }

    static final class BindInterdomain extends Step {
        final int slot;
        final int remoteSlot; // -1 = a domain that does not exist
        final int remotePort;

        BindInterdomain(int slot, int remoteSlot, int remotePort) {
            this.slot = slot;
            this.remoteSlot = remoteSlot;
            this.remotePort = remotePort;
        }

        @Override
        Prediction predict(Model m) {
            if (remoteSlot < 0) {
                return new Prediction(ESRCH, m);
            }
            if (remotePort <= 0 || remotePort >= PORTS) {
                return new Prediction(EINVAL, m);
            }
            Port r = m.port(remoteSlot, remotePort);
            if (r.state() != EvtchnStatus.UNBOUND || r.remoteSlot() != slot) {
                return new Prediction(EINVAL, m);
            }
            int local = m.lowestFree(slot);
            Model n = m.with(slot, local, m.port(slot, local)
                    .rebind(EvtchnStatus.INTERDOMAIN, remoteSlot, remotePort, 0, 0, true)); // pending: no early event lost
            Port rr = n.port(remoteSlot, remotePort);
            n = n.with(remoteSlot, remotePort, rr.rebind(EvtchnStatus.INTERDOMAIN, slot, local, rr.vcpu(), 0, rr.pending()));
            return new Prediction(local, n);
        }

        @Override
        int call(Ops s) {
            return s.bindInterdomain(slot, remoteSlot < 0 ? 0x7FEE : s.domid(remoteSlot), remotePort);
        }

        @Override
        public String toString() {
            return "bind_interdomain(d" + slot + ", remote=" + (remoteSlot < 0 ? "none" : "d" + remoteSlot) + ":"
                    + remotePort + ")";
        }
    }

    static final class BindVirq extends Step {
        final int slot;
        final Virq virq;
        final int vcpu;

        BindVirq(int slot, Virq virq, int vcpu) {
            this.slot = slot;
            this.virq = virq;
            this.vcpu = vcpu;
        }

        @Override
        Prediction predict(Model m) {
            boolean global = !virq.perVcpu();
            if (global && vcpu != 0) {
                return new Prediction(EINVAL, m);
            }
            if (vcpu >= VCPUS[slot]) {
                return new Prediction(ENOENT, m);
            }
            for (int p = 1; p < PORTS; p++) {
                Port x = m.port(slot, p);
                if (x.state() == EvtchnStatus.VIRQ && x.virq() == virq.code() && (global || x.vcpu() == vcpu)) {
                    return new Prediction(EEXIST, m);
                }
            }
            int port = m.lowestFree(slot);
            return new Prediction(port, m.with(slot, port,
                    m.port(slot, port).rebind(EvtchnStatus.VIRQ, 0, 0, vcpu, virq.code(), false)));
        }

        @Override
        int call(Ops s) {
            return s.bindVirq(slot, virq.code(), vcpu);
        }

        @Override
        public String toString() {
            return "bind_virq(d" + slot + ", " + virq + ", vcpu " + vcpu + ")";
        }
    }

    static final class BindIpi extends Step {
        final int slot;
        final int vcpu;

        BindIpi(int slot, int vcpu) {
            this.slot = slot;
            this.vcpu = vcpu;
        }

        @Override
        Prediction predict(Model m) {
            if (vcpu >= VCPUS[slot]) {
                return new Prediction(ENOENT, m);
            }
            int port = m.lowestFree(slot);
            return new Prediction(port, m.with(slot, port,
                    m.port(slot, port).rebind(EvtchnStatus.IPI, 0, 0, vcpu, 0, false)));
        }

        @Override
        int call(Ops s) {
            return s.bindIpi(slot, vcpu);
        }

        @Override
        public String toString() {
            return "bind_ipi(d" + slot + ", vcpu " + vcpu + ")";
        }
    }

    /** close, send, unmask: one port. */
    static final class PortStep extends Step {
        enum Op { CLOSE, SEND, UNMASK }

        final Op op;
        final int slot;
        final int port;

        PortStep(Op op, int slot, int port) {
            this.op = op;
            this.slot = slot;
            this.port = port;
        }

        @Override
        Prediction predict(Model m) {
            boolean valid = port > 0 && port < PORTS;
            Port x = valid ? m.port(slot, port) : Port.FREE;
            return switch (op) {
                case CLOSE -> !valid || x.state() == EvtchnStatus.CLOSED
                        ? new Prediction(EINVAL, m) : new Prediction(0, m.free(slot, port));
                case SEND -> switch (valid ? x.state() : EvtchnStatus.CLOSED) {
                    case UNBOUND -> new Prediction(0, m); // dropped
                    case IPI -> new Prediction(0, m.with(slot, port, x.pending(true)));
                    case INTERDOMAIN -> new Prediction(0, m.with(x.remoteSlot(), x.remotePort(),
                            m.port(x.remoteSlot(), x.remotePort()).pending(true)));
                    default -> new Prediction(EINVAL, m);
                };
                case UNMASK -> valid ? new Prediction(0, m.with(slot, port, x.masked(false))) : new Prediction(EINVAL, m);
            };
        }

        @Override
        int call(Ops s) {
            return switch (op) {
                case CLOSE -> s.close(slot, port);
                case SEND -> s.send(slot, port);
                case UNMASK -> s.unmask(slot, port);
            };
        }

        @Override
        public String toString() {
            return op.name().toLowerCase(java.util.Locale.ROOT) + "(d" + slot + ":" + port + ")";
        }
    }

    static final class BindVcpu extends Step {
        final int slot;
        final int port;
        final int vcpu;

        BindVcpu(int slot, int port, int vcpu) {
            this.slot = slot;
            this.port = port;
            this.vcpu = vcpu;
        }

        @Override
        Prediction predict(Model m) {
            if (vcpu >= VCPUS[slot]) {
                return new Prediction(ENOENT, m);
            }
            if (port <= 0 || port >= PORTS) {
                return new Prediction(EINVAL, m);
            }
            Port x = m.port(slot, port);
            boolean ok = switch (x.state()) {
                case UNBOUND, INTERDOMAIN -> true;
                case VIRQ -> !Virq.of(x.virq()).map(Virq::perVcpu).orElse(true);
                default -> false;
            };
            return ok ? new Prediction(0, m.with(slot, port, x.vcpu(vcpu))) : new Prediction(EINVAL, m);
        }

        @Override
        int call(Ops s) {
            return s.bindVcpu(slot, port, vcpu);
        }

        @Override
        public String toString() {
            return "bind_vcpu(d" + slot + ":" + port + ", vcpu " + vcpu + ")";
        }
    }

    static final class Reset extends Step {
        final int slot;

        Reset(int slot) {
            this.slot = slot;
        }

        @Override
        Prediction predict(Model m) {
            Model n = m;
            for (int p = 1; p < PORTS; p++) {
                if (n.port(slot, p).state() != EvtchnStatus.CLOSED) {
                    n = n.free(slot, p);
                }
            }
            return new Prediction(0, n);
        }

        @Override
        int call(Ops s) {
            return s.reset(slot);
        }

        @Override
        public String toString() {
            return "reset(d" + slot + ")";
        }
    }

    /** The guest masks a port by setting its mask bit. */
    record GuestMask(int slot, int port) implements Action<Model, Ops> {
        @Override
        public void run(Ops system, Model model) {
            system.guestMask(slot, port);
        }

        @Override
        public Model nextModel(Model model) {
            return model.with(slot, port, model.port(slot, port).masked(true));
        }

        @Override
        public String toString() {
            return "guest_mask(d" + slot + ":" + port + ")";
        }
    }

    /** The guest takes an upcall: exactly the pending unmasked ports are delivered, each once. */
    record GuestUpcall(int slot) implements Action<Model, Ops> {
        private Set<Integer> expected(Model m) {
            Set<Integer> out = new TreeSet<>();
            for (int p = 1; p < PORTS; p++) {
                if (m.port(slot, p).pending() && !m.port(slot, p).masked()) {
                    out.add(p);
                }
            }
            return out;
        }

        @Override
        public void run(Ops system, Model model) {
            Set<Integer> delivered = new TreeSet<>(system.guestUpcall(slot));
            Set<Integer> expected = expected(model);
            Set<Integer> spurious = new TreeSet<>(delivered);
            spurious.removeAll(expected);
            assertTrue(spurious.isEmpty(), () -> this + ": delivered ports that were not pending and unmasked: "
                    + spurious + " (expected " + expected + ")");
            Set<Integer> lost = new TreeSet<>(expected);
            lost.removeAll(delivered);
            assertTrue(lost.isEmpty(), () -> this + ": pending unmasked ports not raised to any vCPU (lost): "
                    + lost + " (delivered " + delivered + ")");
        }

        @Override
        public Model nextModel(Model model) {
            Model n = model;
            for (int p : expected(model)) {
                n = n.with(slot, p, n.port(slot, p).pending(false));
            }
            return n;
        }

        @Override
        public String toString() {
            return "guest_upcall(d" + slot + ")";
        }
    }

    /** The generator of steps in a model state. */
    static Gen<Action<Model, Ops>> actions(Model m, boolean withReset) {
        Gen<Integer> slots = Gens.ints(0, DOMAINS - 1);
        Gen<Integer> anyPort = Gens.oneOf(Gens.ints(1, 12), Gens.choose(0, -1, 0x7FFF_FFFF, Integer.MIN_VALUE));
        Gen<Integer> selfMostly = Gens.oneOf(Gens.constant(-1), Gens.constant(-1), Gens.constant(-1), slots);
        List<Gen<? extends Action<Model, Ops>>> gens = new ArrayList<>();
        gens.add(slots.flatMap(s -> Gens.zip(selfMostly, Gens.ints(-1, DOMAINS - 1), (d, r) -> new AllocUnbound(s, d, r))));
        gens.add(slots.flatMap(s -> {
            List<int[]> offered = m.offeredTo(s);
            Gen<BindInterdomain> any = Gens.zip(Gens.ints(-1, DOMAINS - 1), anyPort, (d, p) -> new BindInterdomain(s, d, p));
            if (offered.isEmpty()) {
                return any;
            }
            Gen<BindInterdomain> good = Gens.elements(offered).map(o -> new BindInterdomain(s, o[0], o[1]));
            return Gens.oneOf(good, good, good, any);
        }));
        gens.add(slots.flatMap(s -> Gens.zip(Gens.choose(Virq.TIMER, Virq.CONSOLE), Gens.ints(0, 2),
                (v, c) -> new BindVirq(s, v, c))));
        gens.add(slots.flatMap(s -> Gens.ints(0, 2).map(c -> new BindIpi(s, c))));
        for (PortStep.Op op : PortStep.Op.values()) {
            gens.add(slots.flatMap(s -> ports(m, s, anyPort).map(p -> new PortStep(op, s, op == PortStep.Op.UNMASK ? Math.max(p, 1) : p))));
        }
        gens.add(slots.flatMap(s -> ports(m, s, anyPort).map(p -> new PortStep(PortStep.Op.SEND, s, p))));
        gens.add(slots.flatMap(s -> Gens.zip(ports(m, s, anyPort), Gens.ints(0, 2), (p, c) -> new BindVcpu(s, p, c))));
        gens.add(slots.flatMap(s -> ports(m, s, Gens.ints(1, 12)).map(p -> new GuestMask(s, Math.max(p, 1)))));
        gens.add(slots.map(GuestUpcall::new));
        gens.add(slots.map(GuestUpcall::new));
        if (withReset) {
            gens.add(slots.map(Reset::new));
        }
        return Gens.oneOf(gens);
    }

    /** Mostly a port the slot has in use, sometimes any (also invalid) port. */
    private static Gen<Integer> ports(Model m, int slot, Gen<Integer> any) {
        List<Integer> used = new ArrayList<>();
        for (int p = 1; p < PORTS; p++) {
            if (m.port(slot, p).state() != EvtchnStatus.CLOSED) {
                used.add(p);
            }
        }
        if (used.isEmpty()) {
            return any;
        }
        Gen<Integer> inUse = Gens.elements(used);
        return Gens.oneOf(inUse, inUse, inUse, any);
    }

    /** After every step: bindings consistent and as modelled, bits as modelled, nothing pending lost. */
    static void checkInvariant(Model m, Ops s) {
        for (int d = 0; d < DOMAINS; d++) {
            int limit = m.checkLimit(d);
            for (int p = 0; p < limit; p++) {
                Port x = m.port(d, p);
                String where = "d" + d + ":" + p;
                int[] st = s.status(d, p);
                assertEquals(0, st[0], "status(" + where + ") failed: " + XenErrno.describe(st[0]));
                assertEquals(x.state().code(), st[1], "state of " + where);
                switch (x.state()) {
                    case UNBOUND -> assertEquals(s.domid(x.remoteSlot()), st[3], "unbound " + where + " offered to");
                    case INTERDOMAIN -> {
                        assertEquals(s.domid(x.remoteSlot()), st[3], "remote domain of " + where);
                        assertEquals(x.remotePort(), st[4], "remote port of " + where);
                        int[] peer = s.status(x.remoteSlot(), x.remotePort());
                        assertTrue(peer[1] == EvtchnStatus.INTERDOMAIN.code() && peer[3] == s.domid(d) && peer[4] == p,
                                () -> "inconsistent binding: " + where + " -> d" + x.remoteSlot() + ":" + x.remotePort()
                                        + " but the peer reports state " + peer[1] + " dom " + peer[3] + " port " + peer[4]);
                    }
                    case VIRQ -> assertEquals(x.virq(), st[3], "virq of " + where);
                    default -> { }
                }
                if (x.state() != EvtchnStatus.CLOSED) {
                    assertEquals(x.vcpu(), st[2], "notify vCPU of " + where);
                }
                assertEquals(x.pending(), s.pending(d, p), "pending bit of " + where);
                assertEquals(x.masked(), s.masked(d, p), "mask bit of " + where);
                if (x.pending() && !x.masked()) {
                    boolean raised = false;
                    for (int v = 0; v < VCPUS[d]; v++) {
                        raised |= (s.selector(d, v) & (1L << (p >>> 6))) != 0 && s.upcallPending(d, v) == 1;
                    }
                    assertTrue(raised, "pending unmasked " + where
                            + " has no selector bit and evtchn_upcall_pending on any vCPU (the event would be lost)");
                }
            }
        }
    }

    private EventChannelModel() {
    }
}
