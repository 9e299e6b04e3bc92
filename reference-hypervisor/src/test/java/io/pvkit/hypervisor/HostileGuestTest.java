package io.pvkit.hypervisor;

import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.console.XenconsInterfaceLayout;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.SchedOp;
import io.pvkit.abi.platform.ShutdownReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Guests that misbehave get errors; the guest beside them finishes its workload. */
class HostileGuestTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final long SEED = Long.getLong("pvkit.seed", 0x5EED_10L);

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private Hypervisor hv;

    @AfterEach
    void close() {
        if (hv != null) {
            hv.close();
        }
    }

    private List<String> linesOf(String name) {
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            if (l.startsWith(name + "| ")) {
                out.add(l.substring(name.length() + 2));
            }
        }
        return out;
    }

    private static Domain worker(Hypervisor hv, String name, int rounds) {
        return hv.createDomain(DomainConfig.guest(name, 16, s -> {
            MiniGuest g = MiniGuest.boot(s);
            for (int i = 0; i < rounds; i++) {
                g.ping();
                g.println(name + " round " + i);
            }
            g.shutdown(ShutdownReason.POWEROFF);
        }));
    }

    @Test
    void shouldAnswerBadHypercallsWithErrorsWhileTheNeighbourFinishes() throws Exception {
        hv = Hypervisor.start(new HypervisorConfig(null, lines::add));
        ResourceCounts before = hv.counts();
        int rounds = 100;
        Domain good = worker(hv, "good", rounds);
        int goodId = good.domid();
        AtomicReference<Throwable> escaped = new AtomicReference<>();
        AtomicLong errors = new AtomicLong();
        AtomicLong calls = new AtomicLong();
        Domain bad = hv.createDomain(DomainConfig.guest("bad", 16, s -> {
            SplittableRandom rnd = new SplittableRandom(SEED);
            long end = s.self().memory().byteSize();
            long[] pointers = {0, 8, end - 8, end, end + 4096, -1L, Long.MIN_VALUE, 1L << 40, 0x7FFF_FFFF_FFFF_FFF8L};
            long[] ops = {HypercallOp.EVENT_CHANNEL_OP.number(), HypercallOp.GRANT_TABLE_OP.number(),
                HypercallOp.MEMORY_OP.number(), HypercallOp.HVM_OP.number(), HypercallOp.CONSOLE_IO.number(),
                HypercallOp.XEN_VERSION.number(), HypercallOp.VCPU_OP.number(), HypercallOp.MULTICALL.number(),
                HypercallOp.DOMCTL.number(), 11, 47, 63, 1000, -5};
            MiniGuest g = MiniGuest.boot(s);
            try {
                for (int i = 0; i < 20_000; i++) {
                    long op = ops[rnd.nextInt(ops.length)];
                    long cmd = rnd.nextInt(16);
                    long a2 = rnd.nextBoolean() ? pointers[rnd.nextInt(pointers.length)] : rnd.nextLong(end);
                    long a3 = rnd.nextInt(3) == 0 ? rnd.nextLong() : rnd.nextInt(4);
                    // random garbage in the scratch page the pointers often land in
                    s.self().memory().setLong(rnd.nextLong(0, 4096 - 8) & ~7L, rnd.nextLong());
                    if (op == HypercallOp.CONSOLE_IO.number() && cmd == 0) {
                        a3 = Math.min(a3, 64);     // keep the good guest's output readable: short writes only
                        cmd = rnd.nextBoolean() ? 1 : 7;
                    }
                    long r = g.hc.call(op, cmd, a2, a3, rnd.nextLong(), rnd.nextLong());
                    calls.incrementAndGet();
                    if (r < 0) {
                        errors.incrementAndGet();
                        assertTrue(XenErrno.ofResult(r).isPresent(), "result " + r + " is a Xen errno");
                    }
                }
                // aimed at the neighbour: its ports and its grant references
                for (int port = 1; port < 16; port++) {
                    long r = g.hc.bindInterdomain(goodId, port);
                    assertTrue(r < 0, "bound the good guest's port " + port + ": " + r);
                    long sent = g.hc.send(port + 100);
                    assertTrue(sent < 0, "sent on a port it does not have: " + sent);
                }
                for (int ref = 0; ref < 16; ref++) {
                    MemorySegment a = MemorySegment.ofArray(new long[(int) GnttabMapGrantRefLayout.LAYOUT.byteSize() / 8]);
                    a.set(ValueLayout.JAVA_LONG, GnttabMapGrantRefLayout.HOST_ADDR_OFFSET, 0x10_0000L);
                    a.set(ValueLayout.JAVA_INT, GnttabMapGrantRefLayout.FLAGS_OFFSET, GntMap.HOST_MAP);
                    a.set(ValueLayout.JAVA_INT, GnttabMapGrantRefLayout.REF_OFFSET, ref);
                    a.set(ValueLayout.JAVA_SHORT, GnttabMapGrantRefLayout.DOM_OFFSET, (short) goodId);
                    assertEquals(0, g.hc.grantTableOp(GrantTableOp.MAP_GRANT_REF, a));
                    assertTrue(a.get(ValueLayout.JAVA_SHORT, GnttabMapGrantRefLayout.STATUS_OFFSET) < 0,
                            "mapped the good guest's grant " + ref);
                }
                g.shutdown(ShutdownReason.POWEROFF);
            } catch (Throwable t) {
                escaped.set(t);
                throw t;
            }
        }));
        assertTrue(good.awaitShutdown(WAIT));
        assertTrue(bad.awaitShutdown(WAIT));
        assertNull(escaped.get(), () -> "seed " + SEED + ": " + escaped.get());
        assertNull(good.info().crash());
        assertEquals(ShutdownReason.POWEROFF, good.info().shutdownReason());
        assertEquals(ShutdownReason.POWEROFF, bad.info().shutdownReason(), () -> "bad guest: " + bad.info().crash());
        assertTrue(errors.get() > calls.get() / 2, "most random calls fail: " + errors.get() + " of " + calls.get());
        hv.destroyDomain(bad.domid());
        hv.destroyDomain(good.domid());
        List<String> got = linesOf("good");
        assertEquals(rounds, got.size());
        for (int i = 0; i < rounds; i++) {
            assertEquals("good round " + i, got.get(i));
        }
        assertEquals(before, hv.counts());
    }

    @Test
    void shouldBreakOnlyTheConsoleWhoseRingIsMalformed() throws Exception {
        hv = Hypervisor.start(new HypervisorConfig(null, lines::add));
        ResourceCounts before = hv.counts();
        Domain liar = hv.createDomain(DomainConfig.guest("liar", 16, s -> {
            MiniGuest g = MiniGuest.boot(s);
            g.println("before the lie");
            // wait until dom0 drained the honest line, then claim 5000 bytes in a 2048-byte ring
            GuestMemory m = g.memory;
            long page = GuestMemory.gpaOf(g.consoleGfn);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (m.getIntVolatile(page + XenconsInterfaceLayout.OUT_CONS_OFFSET)
                    != m.getIntVolatile(page + XenconsInterfaceLayout.OUT_PROD_OFFSET) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            int cons = m.getIntVolatile(page + XenconsInterfaceLayout.OUT_CONS_OFFSET);
            m.setIntRelease(page + XenconsInterfaceLayout.OUT_PROD_OFFSET, cons + 5000);
            g.hc.send(g.consolePort);
            // keep going: the guest itself still works (echo), only its console is gone
            for (int i = 0; i < 20; i++) {
                g.ping();
            }
            if (g.hc.call(HypercallOp.SCHED_OP, SchedOp.SHUTDOWN.code(), -1L) != XenErrno.EFAULT.negated()) {
                throw new AssertionError("shutdown with a bad pointer"); // and the domain still runs
            }
            g.shutdown(ShutdownReason.POWEROFF);
        }));
        Domain honest = worker(hv, "honest", 200);
        assertTrue(liar.awaitShutdown(WAIT));
        assertTrue(honest.awaitShutdown(WAIT));
        assertEquals(ShutdownReason.POWEROFF, liar.info().shutdownReason(), () -> "" + liar.info().crash());
        assertEquals(ShutdownReason.POWEROFF, honest.info().shutdownReason(), () -> "" + honest.info().crash());
        hv.destroyDomain(liar.domid());
        hv.destroyDomain(honest.domid());
        assertEquals(List.of("before the lie"), linesOf("liar"));
        List<String> got = linesOf("honest");
        assertEquals(200, got.size());
        assertTrue(linesOf("Domain-0").stream().anyMatch(l -> l.startsWith("console of liar (domain " + liar.domid()
                + ") stopped: console ring broken")), () -> "dom0 said why: " + linesOf("Domain-0"));
        assertEquals(before, hv.counts());
    }
}
