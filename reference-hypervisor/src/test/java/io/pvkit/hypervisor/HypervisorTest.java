package io.pvkit.hypervisor;

import io.pvkit.abi.platform.ShutdownReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HypervisorTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private Hypervisor hv;

    @AfterEach
    void close() {
        if (hv != null) {
            hv.close();
        }
    }

    private Hypervisor start(Path logs) {
        hv = Hypervisor.start(new HypervisorConfig(logs, lines::add));
        return hv;
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

    @Test
    void shouldStartDomain0WithItsServices() {
        start(null);
        List<DomainInfo> infos = hv.domains();
        assertEquals(1, infos.size());
        assertEquals(0, infos.get(0).domid());
        assertEquals("Domain-0", infos.get(0).name());
        ResourceCounts c = hv.counts();
        assertEquals(new ResourceCounts(1, 1, 0, 1), c, "dom0: one domain, its VIRQ_DOM_EXC port, one vCPU thread");
        assertTrue(hv.domain(0).isPresent());
        assertThrows(IllegalArgumentException.class, () -> hv.destroyDomain(0));
    }

    @Test
    void shouldDeliverConsoleOutputInOrderAndCompleteToSinkAndLog(@TempDir Path logs) throws Exception {
        start(logs);
        int n = 600;
        Domain g = hv.createDomain(DomainConfig.guest("talker", 32, s -> {
            MiniGuest guest = MiniGuest.boot(s);
            for (int i = 0; i < n; i++) {
                guest.println("line " + i + " of the console test, padded to make the ring wrap several times");
            }
            guest.print("no newline at the end");
            guest.shutdown(ShutdownReason.POWEROFF);
        }));
        assertTrue(g.awaitShutdown(WAIT));
        hv.destroyDomain(g.domid());
        List<String> got = linesOf("talker");
        assertEquals(n + 1, got.size(), "every line, and the partial one flushed at release: " + got.size());
        for (int i = 0; i < n; i++) {
            assertEquals("line " + i + " of the console test, padded to make the ring wrap several times", got.get(i));
        }
        assertEquals("no newline at the end", got.get(n));
        List<String> logged = Files.readAllLines(logs.resolve("talker.log"), StandardCharsets.UTF_8);
        assertEquals(got, logged);
    }

    @Test
    void shouldAnswerEveryEchoWithOneNotification() throws Exception {
        start(null);
        int rounds = 200;
        Domain g = hv.createDomain(DomainConfig.guest("pinger", 16, s -> {
            MiniGuest guest = MiniGuest.boot(s);
            for (int i = 0; i < rounds; i++) {
                guest.ping();
            }
            guest.println("pings done " + guest.echoes.get());
            guest.shutdown(ShutdownReason.POWEROFF);
        }));
        assertTrue(g.awaitShutdown(WAIT));
        DomainInfo info = g.info();
        assertNull(info.crash(), () -> "guest crashed: " + info.crash());
        assertEquals(ShutdownReason.POWEROFF, info.shutdownReason());
        assertTrue(info.eventsSent() >= rounds + 1, "pings and console notifications: " + info.eventsSent());
        // dom0's dispatcher counts a delivery after its send returned, which may be just after the guest saw
        // the last echo and shut down: give the counter a bounded moment to catch up
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (g.info().eventsDelivered() < rounds && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertTrue(g.info().eventsDelivered() >= rounds, "echo answers delivered to the guest: " + g.info().eventsDelivered());
        hv.destroyDomain(g.domid());
        assertEquals(List.of("pings done " + rounds), linesOf("pinger"));
    }

    @Test
    void shouldRecordShutdownReasonsAndCrashes() throws Exception {
        start(null);
        Domain off = hv.createDomain(DomainConfig.guest("off", 8, s -> MiniGuest.boot(s).shutdown(ShutdownReason.POWEROFF)));
        Domain reboot = hv.createDomain(DomainConfig.guest("reboot", 8, s -> MiniGuest.boot(s).shutdown(ShutdownReason.REBOOT)));
        Domain thrower = hv.createDomain(DomainConfig.guest("thrower", 8, s -> {
            throw new IllegalStateException("guest bug");
        }));
        Domain quitter = hv.createDomain(DomainConfig.guest("quitter", 8, s -> { }));
        Domain idle = hv.createDomain(DomainConfig.guest("idle", 8, s -> {
            MiniGuest g = MiniGuest.boot(s);
            while (true) {
                g.waitForEvents();
                if (g.hc.xenVersion() < 0) {
                    return; // shut down from outside: hypercalls answer -ESRCH
                }
            }
        }));
        for (Domain d : List.of(off, reboot, thrower, quitter)) {
            assertTrue(d.awaitShutdown(WAIT), d.name());
        }
        assertEquals(ShutdownReason.POWEROFF, off.info().shutdownReason());
        assertEquals(ShutdownReason.REBOOT, reboot.info().shutdownReason());
        assertEquals(ShutdownReason.CRASH, thrower.info().shutdownReason());
        assertEquals("guest bug", thrower.info().crash().getMessage());
        assertEquals(ShutdownReason.CRASH, quitter.info().shutdownReason(), "returned without SCHEDOP_shutdown");
        assertEquals(DomainState.SHUTDOWN, off.info().state());
        assertFalse(idle.awaitShutdown(Duration.ofMillis(100)));
        awaitState(idle, DomainState.BLOCKED);
        // a privileged domain shuts the idle one down remotely; an unprivileged one may not
        Domain control = hv.createDomain(new DomainConfig("control", 8, 1, true, null, null, null));
        assertEquals(io.pvkit.abi.XenErrno.ESRCH.negated(), remoteShutdown(off, idle.domid()), "a shut-down domain's hypercalls");
        assertEquals(io.pvkit.abi.XenErrno.EPERM.negated(), remoteShutdown(hv.createDomain(DomainConfig.guest("nobody", 8, null)), idle.domid()));
        assertEquals(0, remoteShutdown(control, idle.domid()));
        assertTrue(idle.awaitShutdown(WAIT));
        assertEquals(ShutdownReason.WATCHDOG, idle.info().shutdownReason());
    }

    private long remoteShutdown(Domain caller, int target) {
        var c = caller.context(0);
        long arg = 0x100;
        caller.memory().setShort(arg, (short) target);
        caller.memory().setInt(arg + 4, ShutdownReason.WATCHDOG.code());
        return hv.dispatcher().hypercall(c, io.pvkit.abi.HypercallOp.SCHED_OP.number(),
                io.pvkit.abi.platform.SchedOp.REMOTE_SHUTDOWN.code(), arg, 0, 0, 0);
    }

    private static void awaitState(Domain d, DomainState state) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (d.info().state() != state) {
            assertTrue(System.nanoTime() < deadline, d.name() + " never reached " + state + ": " + d.info());
            Thread.sleep(5);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 8})
    void shouldBootGuestsAndReturnEveryCountAfterDestroy(int guests) throws Exception {
        start(null);
        ResourceCounts before = hv.counts();
        List<Domain> all = new ArrayList<>();
        for (int i = 0; i < guests; i++) {
            String name = "g" + i;
            all.add(hv.createDomain(DomainConfig.guest(name, 16, s -> {
                MiniGuest g = MiniGuest.boot(s);
                for (int k = 0; k < 20; k++) {
                    g.ping();
                    g.println(name + " says " + k);
                }
                g.shutdown(ShutdownReason.POWEROFF);
            })));
        }
        ResourceCounts during = hv.counts();
        assertEquals(before.domains() + guests, during.domains());
        assertEquals(before.grantMappings() + 2 * guests, during.grantMappings(),
                "dom0 maps each console page and each xenstore page");
        for (Domain d : all) {
            assertTrue(d.awaitShutdown(WAIT), d.name());
            assertEquals(ShutdownReason.POWEROFF, d.info().shutdownReason(), () -> d.name() + " " + d.info().crash());
        }
        for (Domain d : all) {
            hv.destroyDomain(d.domid());
            assertEquals(DomainState.DEAD, d.info().state());
            assertTrue(hv.domain(d.domid()).isEmpty());
        }
        assertEquals(before, hv.counts());
        for (int i = 0; i < guests; i++) {
            List<String> got = linesOf("g" + i);
            assertEquals(20, got.size());
            for (int k = 0; k < 20; k++) {
                assertEquals("g" + i + " says " + k, got.get(k));
            }
        }
    }

    @Test
    void shouldWriteConsoleInputIntoTheGuestsInputRing() throws Exception {
        start(null);
        Domain g = hv.createDomain(DomainConfig.guest("reader", 8, s -> {
            MiniGuest guest = MiniGuest.boot(s);
            StringBuilder got = new StringBuilder();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!got.toString().contains("\n") && System.nanoTime() < deadline) {
                guest.waitForEvents();
                got.append(guest.readInput());
            }
            guest.println("echo: " + got.toString().trim());
            guest.shutdown(ShutdownReason.POWEROFF);
        }));
        g.consoleInput("hello from dom0\n".getBytes(StandardCharsets.US_ASCII));
        assertTrue(g.awaitShutdown(WAIT));
        hv.destroyDomain(g.domid());
        assertEquals(List.of("echo: hello from dom0"), linesOf("reader"));
    }

    @Test
    void shouldSendConsoleIoOutputToTheSinkWithTheDomainsName() throws Exception {
        start(null);
        Domain g = hv.createDomain(DomainConfig.guest("printk", 8, s -> {
            MiniGuest guest = MiniGuest.boot(s);
            guest.hc.consoleWrite("early\u0007 printk\nsecond\n".getBytes(StandardCharsets.ISO_8859_1));
            guest.shutdown(ShutdownReason.POWEROFF);
        }));
        assertTrue(g.awaitShutdown(WAIT));
        assertEquals(List.of("early printk", "second"), linesOf("printk"), "control characters dropped");
        assertArrayEquals("early\u0007 printk\nsecond\n".getBytes(StandardCharsets.ISO_8859_1), g.consoleIoOutput());
    }

    @Test
    void shouldRejectDuplicateNamesAndKeepFileBackedMemory(@TempDir Path dir) throws Exception {
        start(null);
        Domain g = hv.createDomain(new DomainConfig("filed", 8, 1, false, null, "extra=1",
                new MemoryBacking.File(dir.resolve("mem.img"))));
        assertTrue(g.memory().isFileBacked());
        assertThrows(IllegalArgumentException.class, () -> hv.createDomain(DomainConfig.guest("filed", 8, null)));
        hv.destroyDomain(g.domid());
        assertEquals(8L * 4096 + (4 + 4) * 4096L, Files.size(dir.resolve("mem.img")));
    }
}
