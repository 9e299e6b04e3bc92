package io.pvkit.conformance.evtchn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pvkit.abi.DomId;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.evtchn.VcpuInfoLayout;
import io.pvkit.abi.evtchn.Virq;
import io.pvkit.conformance.property.Property;
import io.pvkit.conformance.property.StateMachine;
import io.pvkit.conformance.spi.Capability;
import io.pvkit.conformance.spi.DomainConfig;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Verifies the event-channel rules {@code EVT-01} .. {@code EVT-22} ({@link EventChannelRules}) against a
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
 *
 * <p>The hooks an implementation overrides are declared in {@link EventChannelFixture}; the rules are grouped by
 * concern in this class's superclasses ({@link EventChannelPortVerification}: allocation, lookups and bad input;
 * {@link EventChannelDeliveryVerification}: send, pending, masking and VIRQs;
 * {@link EventChannelTeardownVerification}: reset, destruction and dying domains;
 * {@link EventChannelCloseRaceVerification}: a close meeting calls in progress, {@code EVT-22}), and this class adds the
 * rule about locks left held ({@code EVT-19}) and the model-based {@code EVT-17}. Extend this class: it is the one entry point,
 * and the one the runner and the kit's documentation name.
 */
public abstract class EventChannelVerification extends EventChannelCloseRaceVerification {

    /** For subclasses. */
    protected EventChannelVerification() {
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
